export type { VmmType } from './build-vmsa.js';
export {
  computeOvmfHash,
  computeSnpLaunchDigest,
  type SnpLaunchInputs,
} from './compute-snp-launch-digest.js';
export type { BootComponents } from './sev-hashes-table.js';
export { SnpLaunchError, type SnpLaunchErrorCode } from './snp-launch-error.js';
export { cpuSignature, VCPU_SIGNATURES } from './vcpu-signatures.js';
