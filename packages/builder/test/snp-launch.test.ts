import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  computeOvmfHash,
  computeSnpLaunchDigest,
  cpuSignature,
  SnpLaunchError,
  type SnpLaunchInputs,
} from '../src/snp-launch/index.js';
import { guidFromLeBytes, parseOvmf } from '../src/snp-launch/parse-ovmf.js';
import { guidToLeBytes } from '../src/snp-launch/sev-hashes-table.js';

const VECTORS = `${
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../vectors/', import.meta.url))
}/snp-launch/`;

interface LaunchCase {
  name: string;
  ovmf: string;
  vcpus: number;
  vcpuType: string;
  kernel: string | null;
  initrd: string | null;
  append: string | null;
  guestFeatures: string;
  vmmType: 'qemu' | 'ec2' | 'gce';
  measurement?: string;
  ovmfHash?: string;
  expected?: string;
}

const cases = JSON.parse(readFileSync(`${VECTORS}cases.json`, 'utf8')) as LaunchCase[];
const firmware = (name: string) => new Uint8Array(readFileSync(`${VECTORS}${name}`));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function inputsOf(c: LaunchCase): SnpLaunchInputs {
  const file = (v: string | null) => (v === 'empty file' ? new Uint8Array(0) : undefined);
  return {
    ovmf: firmware(c.ovmf),
    ovmfHash: c.ovmfHash ? Buffer.from(c.ovmfHash, 'hex') : undefined,
    boot:
      c.kernel === null
        ? undefined
        : { kernel: file(c.kernel)!, initrd: file(c.initrd), append: c.append ?? undefined },
    vcpus: c.vcpus,
    vcpuType: c.vcpuType,
    guestFeatures: BigInt(c.guestFeatures),
    vmm: c.vmmType,
  };
}

describe('SEV-SNP launch digest: the digests virtee/sev-snp-measure asserts', () => {
  it('has cases to check', () => {
    expect(cases.filter((c) => c.measurement).length).toBeGreaterThanOrEqual(8);
  });

  for (const c of cases.filter((x) => x.measurement)) {
    it(c.name, () => {
      expect(hex(computeSnpLaunchDigest(inputsOf(c)))).toBe(c.measurement);
    });
  }

  for (const c of cases.filter((x) => x.expected?.startsWith('error'))) {
    it(`${c.name} is refused with a typed error`, () => {
      expect(() => computeSnpLaunchDigest(inputsOf(c))).toThrow(
        expect.objectContaining({ name: 'SnpLaunchError', code: 'SNP_LAUNCH_NO_KERNEL_HASHES' }),
      );
    });
  }

  it('hashes the AmdSev firmware to the ovmfHash the cases give', () => {
    const withHash = cases.find((c) => c.ovmfHash && c.ovmf === 'ovmf_AmdSev_suffix.bin')!;
    expect(hex(computeOvmfHash(firmware(withHash.ovmf)))).toBe(withHash.ovmfHash);
  });

  it('gives the same digest from the firmware as from its precomputed hash', () => {
    const c = cases.find((x) => x.ovmfHash)!;
    const fromFile = computeSnpLaunchDigest({ ...inputsOf(c), ovmfHash: undefined });
    expect(hex(fromFile)).toBe(c.measurement);
  });
});

describe('SEV-SNP launch digest: every input counts', () => {
  const base = inputsOf(cases.find((c) => c.name === 'snp_default')!);
  const digest = (over: Partial<SnpLaunchInputs>) => hex(computeSnpLaunchDigest({ ...base, ...over }));
  const reference = digest({});

  it.each<[string, Partial<SnpLaunchInputs>]>([
    ['the command line', { boot: { ...base.boot!, append: 'console=ttyS0 loglevel=8' } }],
    ['the kernel', { boot: { ...base.boot!, kernel: Uint8Array.of(1) } }],
    ['the initrd', { boot: { ...base.boot!, initrd: Uint8Array.of(1) } }],
    ['the vCPU count', { vcpus: 2 }],
    ['the vCPU type', { vcpuType: 'EPYC-Milan' }],
    ['the guest features', { guestFeatures: 0x1n }],
    ['the VMM (ec2)', { vmm: 'ec2' }],
    ['the VMM (gce)', { vmm: 'gce' }],
  ])('%s', (_name, over) => {
    expect(digest(over)).not.toBe(reference);
  });

  it('a flipped firmware byte changes the digest', () => {
    const ovmf = base.ovmf.slice();
    ovmf[100]! ^= 1;
    expect(digest({ ovmf, ovmfHash: undefined })).not.toBe(digest({ ovmfHash: undefined }));
  });
});

describe('SEV-SNP launch digest: bad input', () => {
  const base = inputsOf(cases.find((c) => c.name === 'snp_default')!);
  it.each<[string, Partial<SnpLaunchInputs>, string]>([
    ['a firmware that is not whole pages', { ovmf: new Uint8Array(100) }, 'SNP_LAUNCH_BAD_FIRMWARE'],
    ['an empty firmware', { ovmf: new Uint8Array(0) }, 'SNP_LAUNCH_BAD_FIRMWARE'],
    ['zero vCPUs', { vcpus: 0 }, 'SNP_LAUNCH_BAD_ARGUMENT'],
    ['an unknown vCPU type', { vcpuType: 'Pentium' }, 'SNP_LAUNCH_BAD_ARGUMENT'],
    ['a short OVMF hash', { ovmfHash: new Uint8Array(32) }, 'SNP_LAUNCH_BAD_ARGUMENT'],
  ])('%s', (_name, over, code) => {
    expect(() => computeSnpLaunchDigest({ ...base, ...over })).toThrow(expect.objectContaining({ code }));
  });

  it('a corrupted SEV metadata signature is refused', () => {
    const ovmf = base.ovmf.slice();
    const at = ovmf.findIndex((_, i) => String.fromCharCode(...ovmf.subarray(i, i + 4)) === 'ASEV');
    expect(at).toBeGreaterThan(0);
    ovmf[at] = 0x58;
    expect(() => computeSnpLaunchDigest({ ...base, ovmf })).toThrow(SnpLaunchError);
  });

  it('a firmware without the footer table has no metadata, so a kernel cannot be measured', () => {
    expect(parseOvmf(new Uint8Array(4096)).sections).toEqual([]);
    expect(() => computeSnpLaunchDigest({ ...base, ovmf: new Uint8Array(4096) })).toThrow(
      expect.objectContaining({ code: 'SNP_LAUNCH_NO_KERNEL_HASHES' }),
    );
  });
});

describe('SEV-SNP launch digest: building blocks', () => {
  it('computes CPUID signatures as AMD documents them', () => {
    expect(cpuSignature(23, 1, 2)).toBe(0x00800f12); // EPYC (Naples)
    expect(cpuSignature(25, 1, 1)).toBe(0x00a00f11); // Milan
    expect(cpuSignature(25, 17, 0)).toBe(0x00a10f10); // Genoa
  });

  it('round-trips GUIDs through the EFI byte order', () => {
    const guid = '96b582de-1fb2-45f7-baea-a366c55a082d';
    expect(guidFromLeBytes(guidToLeBytes(guid))).toBe(guid);
    expect(hex(guidToLeBytes(guid)).slice(0, 8)).toBe('de82b596');
  });

  it('reads the AmdSev firmware metadata', () => {
    const ovmf = parseOvmf(firmware('ovmf_AmdSev_suffix.bin'));
    expect(ovmf.gpa).toBe(0xfffff000);
    expect(ovmf.sevHashesTableGpa).toBeDefined();
    expect(ovmf.sevEsResetEip).toBeDefined();
    expect(ovmf.sections.map((s) => s.type)).toContain(0x10);
    expect(createHash('sha256').update(ovmf.data).digest('hex')).toHaveLength(64);
  });
});

describe('SEV-SNP launch digest: ec2 and gce, against the reference implementation run locally', () => {
  const reference = JSON.parse(
    readFileSync(fileURLToPath(new URL('./fixtures/snp-launch-reference.json', import.meta.url)), 'utf8'),
  ) as {
    firmware: string;
    vcpuType: string;
    guestFeatures: string;
    append: string;
    cases: { vmm: 'qemu' | 'ec2' | 'gce'; vcpus: number; kernel: boolean; measurement: string }[];
  };
  for (const c of reference.cases) {
    it(`${c.vmm}, ${c.vcpus} vCPU(s), ${c.kernel ? 'with' : 'without'} a kernel`, () => {
      const digest = computeSnpLaunchDigest({
        ovmf: firmware(reference.firmware),
        boot: c.kernel
          ? { kernel: new Uint8Array(0), initrd: new Uint8Array(0), append: reference.append }
          : undefined,
        vcpus: c.vcpus,
        vcpuType: reference.vcpuType,
        guestFeatures: BigInt(reference.guestFeatures),
        vmm: c.vmm,
      });
      expect(hex(digest)).toBe(c.measurement);
    });
  }
});
