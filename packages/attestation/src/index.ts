export { AttestationError, type AttestationErrorCode, CheckList, runChecks } from './attestation-error.js';
export { base64ToBytes, bytesToBase64 } from './base64.js';
export { bytesEqual, fromHex, toHex } from './bytes.js';
export { type CborMap, type CborValue, decodeCbor } from './nitro/decode-cbor.js';
export {
  COSE_ES384,
  type CoseSign1,
  coseSign1SigStructure,
  decodeCoseSign1,
} from './nitro/decode-cose-sign1.js';
export { type NitroDocument, parseNitroDocument } from './nitro/parse-nitro-document.js';
export {
  type NitroPcrIndex,
  type NitroPcrSet,
  type NitroPolicy,
  type NitroVerifyOptions,
  verifyNitroDocument,
} from './nitro/verify-nitro-document.js';
export { PINNED_ROOTS } from './pinned-roots.js';
export {
  type CollateralCache,
  type FetchLike,
  fetchVcek,
  type KdsOptions,
  MemoryCollateralCache,
  vcekUrl,
} from './sev-snp/fetch-vcek.js';
export { type HclReport, hclReportData, isHclReport, parseHclReport } from './sev-snp/parse-hcl-report.js';
export {
  parseSnpReport,
  SNP_REPORT_LENGTH,
  type SnpReport,
  type SnpSigningKey,
} from './sev-snp/parse-snp-report.js';
export {
  type ParsedThimCollateral,
  parseThimCollateral,
  type ThimCollateral,
} from './sev-snp/parse-thim-collateral.js';
export { parseVcekExtensions, type VcekExtensions } from './sev-snp/parse-vcek-extensions.js';
export { decodeTcb, productFromCpuid, type SnpProduct, type SnpTcb } from './sev-snp/snp-product.js';
export {
  type SnpCollateral,
  type SnpPolicy,
  type SnpVerifyOptions,
  verifySnpEvidence,
  verifyVcekChain,
} from './sev-snp/verify-snp-report.js';
export { type MeasuredFile, simulatedMeasurement } from './simulated/simulated-measurement.js';
export {
  encodeSimulatedReportBody,
  parseSimulatedReport,
  SIMULATED_REPORT_LENGTH,
  type SimulatedReport,
} from './simulated/simulated-report.js';
export { type SimulatedPolicy, verifySimulatedEvidence } from './simulated/verify-simulated.js';
export type { Check, Platform, VerificationReport } from './verification-report.js';
export { type EvidenceInput, type EvidencePolicy, verifyEvidence } from './verify-evidence.js';
export {
  type Certificate,
  certificateBytes,
  decodePemCertificates,
  parseCertificate,
} from './x509/parse-certificate.js';
export { certificateFingerprint } from './x509/verify-certificate-chain.js';
export { clearSignatureCaches } from './x509/verify-signature.js';
