import { SnpLaunchError } from './snp-launch-error.js';

/**
 * The CPUID Fn0000_0001_EAX signature of a family/model/stepping (AMD CPUID Specification #25481):
 * QEMU puts it in RDX of every initial VMSA, so it is part of the launch digest.
 */
export function cpuSignature(family: number, model: number, stepping: number): number {
  const familyLow = Math.min(family, 0xf);
  const familyHigh = family > 0xf ? (family - 0xf) & 0xff : 0;
  return (
    ((familyHigh << 20) |
      (((model >> 4) & 0xf) << 16) |
      (familyLow << 8) |
      ((model & 0xf) << 4) |
      (stepping & 0xf)) >>>
    0
  );
}

/** The CPU models of QEMU's built-in x86 definitions that can run SEV-SNP guests. */
export const VCPU_SIGNATURES: Readonly<Record<string, number>> = Object.freeze({
  EPYC: cpuSignature(23, 1, 2),
  'EPYC-v1': cpuSignature(23, 1, 2),
  'EPYC-v2': cpuSignature(23, 1, 2),
  'EPYC-IBPB': cpuSignature(23, 1, 2),
  'EPYC-v3': cpuSignature(23, 1, 2),
  'EPYC-v4': cpuSignature(23, 1, 2),
  'EPYC-Rome': cpuSignature(23, 49, 0),
  'EPYC-Rome-v1': cpuSignature(23, 49, 0),
  'EPYC-Rome-v2': cpuSignature(23, 49, 0),
  'EPYC-Rome-v3': cpuSignature(23, 49, 0),
  'EPYC-Milan': cpuSignature(25, 1, 1),
  'EPYC-Milan-v1': cpuSignature(25, 1, 1),
  'EPYC-Milan-v2': cpuSignature(25, 1, 1),
  'EPYC-Genoa': cpuSignature(25, 17, 0),
  'EPYC-Genoa-v1': cpuSignature(25, 17, 0),
  'EPYC-Turin': cpuSignature(26, 0, 0),
});

/** The signature of a named vCPU type; an unknown name is an error listing the known ones. */
export function vcpuSignature(name: string): number {
  const signature = Object.hasOwn(VCPU_SIGNATURES, name) ? VCPU_SIGNATURES[name] : undefined;
  if (signature === undefined) {
    throw new SnpLaunchError(
      'SNP_LAUNCH_BAD_ARGUMENT',
      `unknown vCPU type ${JSON.stringify(name)}; known: ${Object.keys(VCPU_SIGNATURES).join(', ')}`,
    );
  }
  return signature;
}
