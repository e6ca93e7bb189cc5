import { BSP_EIP, buildVmsa, type VmmType } from './build-vmsa.js';
import { type OvmfImage, type OvmfMetadataSection, parseOvmf, SECTION_TYPES } from './parse-ovmf.js';
import { type BootComponents, buildSevHashesPage } from './sev-hashes-table.js';
import { SnpGuestContext } from './snp-guest-context.js';
import { SnpLaunchError } from './snp-launch-error.js';
import { vcpuSignature } from './vcpu-signatures.js';

/** The inputs of an SEV-SNP guest's launch measurement. */
export interface SnpLaunchInputs {
  /** The OVMF firmware image, as the VMM loads it (ending at 4 GiB). */
  ovmf: Uint8Array;
  /**
   * A precomputed 48-byte digest of the firmware pages, used instead of hashing `ovmf` (whose SEV
   * metadata is still read). For vendors that publish the firmware hash but not the firmware.
   */
  ovmfHash?: Uint8Array | undefined;
  /** Kernel, initrd and command line for measured direct boot; omit to boot without them. */
  boot?: BootComponents | undefined;
  /** Number of vCPUs: one VMSA page each. */
  vcpus: number;
  /** QEMU vCPU model name (e.g. `EPYC-v4`) or a CPUID signature. Default: `EPYC-v4`. Ignored by ec2 and gce. */
  vcpuType?: string | number | undefined;
  /** The SEV_FEATURES word written into every VMSA (bit 0: SNP active). QEMU's default is 0x21. */
  guestFeatures: bigint;
  /** Which VMM launches the guest. Default: `qemu`. */
  vmm?: VmmType | undefined;
}

function addMetadataSection(
  ctx: SnpGuestContext,
  section: OvmfMetadataSection,
  ovmf: OvmfImage,
  boot: BootComponents | undefined,
  vmm: VmmType,
): void {
  switch (section.type) {
    case SECTION_TYPES.snpSecMem:
      if (vmm === 'gce') ctx.addUnmeasuredPages(section.gpa, section.size);
      else ctx.addZeroPages(section.gpa, section.size);
      return;
    case SECTION_TYPES.snpSecrets:
      ctx.addSecretsPage(section.gpa);
      return;
    case SECTION_TYPES.cpuid:
      // EC2 adds the CPUID page after every other metadata page (below).
      if (vmm !== 'ec2') ctx.addCpuidPage(section.gpa);
      return;
    case SECTION_TYPES.snpKernelHashes:
      if (boot && ovmf.sevHashesTableGpa !== undefined) {
        const page = buildSevHashesPage(boot, ovmf.sevHashesTableGpa & 0xfff);
        if (section.size !== page.length) {
          throw new SnpLaunchError('SNP_LAUNCH_BAD_FIRMWARE', 'the kernel hashes section is not one page');
        }
        ctx.addNormalPages(section.gpa, page);
      } else {
        ctx.addZeroPages(section.gpa, section.size);
      }
      return;
    case SECTION_TYPES.svsmCaa:
      ctx.addZeroPages(section.gpa, section.size);
      return;
  }
}

function checkInputs(inputs: SnpLaunchInputs, ovmf: OvmfImage): void {
  if (!Number.isInteger(inputs.vcpus) || inputs.vcpus < 1 || inputs.vcpus > 512) {
    throw new SnpLaunchError(
      'SNP_LAUNCH_BAD_ARGUMENT',
      `vcpus must be an integer from 1 to 512, got ${inputs.vcpus}`,
    );
  }
  if (inputs.ovmfHash !== undefined && inputs.ovmfHash.length !== 48) {
    throw new SnpLaunchError(
      'SNP_LAUNCH_BAD_ARGUMENT',
      `an OVMF hash is 48 bytes (SHA-384), got ${inputs.ovmfHash.length}`,
    );
  }
  if (inputs.guestFeatures < 0n || inputs.guestFeatures > 0xffff_ffff_ffff_ffffn) {
    throw new SnpLaunchError('SNP_LAUNCH_BAD_ARGUMENT', 'guest features must fit in 64 bits');
  }
  const hasHashesSection = ovmf.sections.some((s) => s.type === SECTION_TYPES.snpKernelHashes);
  if (inputs.boot && (!hasHashesSection || ovmf.sevHashesTableGpa === undefined)) {
    throw new SnpLaunchError(
      'SNP_LAUNCH_NO_KERNEL_HASHES',
      'this firmware has no SEV hashes table, so a kernel cannot be measured: use an OVMF built from OvmfPkg/AmdSev/AmdSevX64.dsc, or boot without --kernel',
    );
  }
  if (inputs.vcpus > 1 && ovmf.sevEsResetEip === undefined) {
    throw new SnpLaunchError(
      'SNP_LAUNCH_BAD_FIRMWARE',
      'the firmware has no SEV-ES reset block, so it cannot start a second vCPU',
    );
  }
}

/** The 48-byte firmware digest of an OVMF image alone: what `ovmfHash` stands for. */
export function computeOvmfHash(ovmf: Uint8Array): Uint8Array {
  const image = parseOvmf(ovmf);
  const ctx = new SnpGuestContext();
  ctx.addNormalPages(image.gpa, image.data);
  return ctx.digest;
}

/**
 * The SEV-SNP `MEASUREMENT` (launch digest) the AMD secure processor will report for a guest
 * launched from these inputs: firmware pages, the pages OVMF's SEV metadata declares, then one VMSA
 * per vCPU. Reproduces virtee/sev-snp-measure's results for the same inputs.
 */
export function computeSnpLaunchDigest(inputs: SnpLaunchInputs): Uint8Array {
  const ovmf = parseOvmf(inputs.ovmf);
  checkInputs(inputs, ovmf);
  const vmm = inputs.vmm ?? 'qemu';
  const ctx = inputs.ovmfHash ? new SnpGuestContext(inputs.ovmfHash) : new SnpGuestContext();
  if (!inputs.ovmfHash) ctx.addNormalPages(ovmf.gpa, ovmf.data);
  for (const section of ovmf.sections) addMetadataSection(ctx, section, ovmf, inputs.boot, vmm);
  if (vmm === 'ec2') {
    for (const section of ovmf.sections)
      if (section.type === SECTION_TYPES.cpuid) ctx.addCpuidPage(section.gpa);
  }
  const type = inputs.vcpuType ?? 'EPYC-v4';
  const signature = typeof type === 'number' ? type : vcpuSignature(type);
  const bsp = buildVmsa(BSP_EIP, inputs.guestFeatures, signature, vmm);
  const ap =
    inputs.vcpus > 1 ? buildVmsa(ovmf.sevEsResetEip ?? 0, inputs.guestFeatures, signature, vmm) : bsp;
  for (let i = 0; i < inputs.vcpus; i++) ctx.addVmsaPage(i === 0 ? bsp : ap);
  return ctx.digest;
}
