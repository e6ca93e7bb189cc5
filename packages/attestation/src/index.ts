/**
 * `@blindbox/attestation`: verify TEE evidence against pinned vendor roots. This entry point holds
 * what a caller uses: the verifiers, their policies and options, the report they return and the
 * error they throw. Parsers, CBOR/COSE/DER readers and the check-list helpers verifiers are built
 * from live in `@blindbox/attestation/internal`, which other BlindBox packages use and which may
 * change between any two versions.
 */
export { AttestationError, type AttestationErrorCode } from './attestation-error.js';
export {
  type CompositeEvidence,
  type CompositePolicy,
  type CompositeReport,
  type GpuRequirement,
  gpuNonceForBinding,
  verifyCompositeEvidence,
} from './composite/verify-composite-evidence.js';
export {
  type NitroPcrIndex,
  type NitroPcrSet,
  type NitroPolicy,
  type NitroVerifyOptions,
  verifyNitroDocument,
} from './nitro/verify-nitro-document.js';
export { NVIDIA_ROOTS } from './nvidia-gpu/nvidia-roots.js';
export {
  type GpuVerificationReport,
  type NvidiaGpuEvidence,
  type NvidiaGpuPolicy,
  verifyNvidiaGpuEvidence,
} from './nvidia-gpu/verify-nvidia-gpu.js';
export { PINNED_ROOTS } from './pinned-roots.js';
export {
  type CollateralCache,
  type FetchLike,
  type KdsOptions,
  MemoryCollateralCache,
} from './sev-snp/fetch-vcek.js';
export type { SnpSigningKey } from './sev-snp/parse-snp-report.js';
export type { ThimCollateral } from './sev-snp/parse-thim-collateral.js';
export type { SnpProduct, SnpTcb } from './sev-snp/snp-product.js';
export {
  type SnpCollateral,
  type SnpPolicy,
  type SnpVerifyOptions,
  verifySnpEvidence,
} from './sev-snp/verify-snp-report.js';
export { type SimulatedPolicy, verifySimulatedEvidence } from './simulated/verify-simulated.js';
export {
  fetchTdxCollateral,
  type PcsFetch,
  type PcsOptions,
  type TdxCollateralTarget,
  tdxCollateralTarget,
} from './tdx/fetch-tdx-collateral.js';
export type { TcbStatus } from './tdx/parse-tcb-info.js';
export {
  type TdxCollateral,
  type TdxPolicy,
  type TdxVerifyOptions,
  verifyTdxQuote,
} from './tdx/verify-tdx-quote.js';
export type { Check, Platform, VerificationReport } from './verification-report.js';
export { type EvidenceInput, type EvidencePolicy, verifyEvidence } from './verify-evidence.js';
