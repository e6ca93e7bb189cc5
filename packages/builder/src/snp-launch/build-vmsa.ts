/** The VMM that launches the guest: each sets a few initial registers differently. */
export type VmmType = 'qemu' | 'ec2' | 'gce';

interface Segment {
  selector: number;
  attrib: number;
  limit: number;
  base: number;
}

// Offsets in the SEV-ES save area (AMD APM Vol. 2, Table B-4; Linux `struct sev_es_save_area`).
const SEGMENTS = {
  es: 0x00,
  cs: 0x10,
  ss: 0x20,
  ds: 0x30,
  fs: 0x40,
  gs: 0x50,
  gdtr: 0x60,
  ldtr: 0x70,
  idtr: 0x80,
  tr: 0x90,
};
const OFFSET = {
  efer: 0xd0,
  cr4: 0x148,
  cr0: 0x158,
  dr7: 0x160,
  dr6: 0x168,
  rflags: 0x170,
  rip: 0x178,
  gPat: 0x268,
  rdx: 0x310,
  sevFeatures: 0x3b0,
  xcr0: 0x3e8,
  mxcsr: 0x408,
  x87Fcw: 0x410,
} as const;

/** Reset EIP of the bootstrap processor. */
export const BSP_EIP = 0xfffffff0;

interface VmmRegisters {
  csFlags: number;
  ssFlags: number;
  trFlags: number;
  rdx: bigint;
  mxcsr: number;
  fcw: number;
  gPat: bigint;
}

const DEFAULT_G_PAT = 0x0007_0406_0007_0406n; // PAT MSR reset value (AMD APM Vol. 2, §A.3)

function vmmRegisters(vmm: VmmType, eip: number, vcpuSignature: number): VmmRegisters {
  switch (vmm) {
    case 'qemu':
      return {
        csFlags: 0x9b,
        ssFlags: 0x93,
        trFlags: 0x8b,
        rdx: BigInt(vcpuSignature),
        mxcsr: 0x1f80,
        fcw: 0x37f,
        gPat: DEFAULT_G_PAT,
      };
    case 'ec2':
      // EC2 marks the BSP's code segment not-yet-accessed and loads no FPU defaults.
      return {
        csFlags: eip === BSP_EIP ? 0x9a : 0x9b,
        ssFlags: 0x92,
        trFlags: 0x83,
        rdx: 0x600n,
        mxcsr: 0,
        fcw: 0,
        gPat: DEFAULT_G_PAT,
      };
    case 'gce':
      // GCE's hypervisor overwrites the PAT reset value.
      return {
        csFlags: 0x9b,
        ssFlags: 0x93,
        trFlags: 0x8b,
        rdx: 0x600n,
        mxcsr: 0,
        fcw: 0,
        gPat: 0x0007_0106n,
      };
  }
}

/** The 4096-byte initial VMSA of one vCPU starting at `eip`, as the VMM writes it before launch. */
export function buildVmsa(eip: number, sevFeatures: bigint, vcpuSignature: number, vmm: VmmType): Uint8Array {
  const page = new Uint8Array(4096);
  const view = new DataView(page.buffer);
  const r = vmmRegisters(vmm, eip, vcpuSignature);
  const segments: Record<keyof typeof SEGMENTS, Segment> = {
    es: { selector: 0, attrib: 0x93, limit: 0xffff, base: 0 },
    cs: { selector: 0xf000, attrib: r.csFlags, limit: 0xffff, base: (eip & 0xffff0000) >>> 0 },
    ss: { selector: 0, attrib: r.ssFlags, limit: 0xffff, base: 0 },
    ds: { selector: 0, attrib: 0x93, limit: 0xffff, base: 0 },
    fs: { selector: 0, attrib: 0x93, limit: 0xffff, base: 0 },
    gs: { selector: 0, attrib: 0x93, limit: 0xffff, base: 0 },
    gdtr: { selector: 0, attrib: 0, limit: 0xffff, base: 0 },
    ldtr: { selector: 0, attrib: 0x82, limit: 0xffff, base: 0 },
    idtr: { selector: 0, attrib: 0, limit: 0xffff, base: 0 },
    tr: { selector: 0, attrib: r.trFlags, limit: 0xffff, base: 0 },
  };
  for (const [name, at] of Object.entries(SEGMENTS)) {
    const s = segments[name as keyof typeof SEGMENTS];
    view.setUint16(at, s.selector, true);
    view.setUint16(at + 2, s.attrib, true);
    view.setUint32(at + 4, s.limit, true);
    view.setBigUint64(at + 8, BigInt(s.base), true);
  }
  view.setBigUint64(OFFSET.efer, 0x1000n, true); // KVM enables EFER.SVME
  view.setBigUint64(OFFSET.cr4, 0x40n, true); // KVM enables CR4.MCE
  view.setBigUint64(OFFSET.cr0, 0x10n, true);
  view.setBigUint64(OFFSET.dr7, 0x400n, true);
  view.setBigUint64(OFFSET.dr6, 0xffff0ff0n, true);
  view.setBigUint64(OFFSET.rflags, 0x2n, true);
  view.setBigUint64(OFFSET.rip, BigInt(eip & 0xffff), true);
  view.setBigUint64(OFFSET.gPat, r.gPat, true);
  view.setBigUint64(OFFSET.rdx, r.rdx, true);
  view.setBigUint64(OFFSET.sevFeatures, sevFeatures, true);
  view.setBigUint64(OFFSET.xcr0, 0x1n, true);
  view.setUint32(OFFSET.mxcsr, r.mxcsr, true);
  view.setUint16(OFFSET.x87Fcw, r.fcw, true);
  return page;
}
