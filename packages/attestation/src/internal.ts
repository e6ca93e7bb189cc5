/**
 * `@blindbox/attestation/internal`: the parts verifiers are built from, for other BlindBox packages
 * (the runtime's providers, the CLI, the builder, tests and benchmarks). Not a stable API: anything
 * here may change in any version. Users call `@blindbox/attestation`.
 */
export { type CborMap, type CborValue, decodeCbor, encodeHead } from './cbor/decode-cbor.js';
export { verifyGpusForNonce } from './composite/verify-composite-evidence.js';
export {
  DER,
  type DerNode,
  decodeOid,
  derChildren,
  derSmallInt,
  derUnsigned,
  expectTag,
  readDer,
  readDerExact,
} from './der/read-der.js';
export {
  COSE_ES384,
  type CoseSign1,
  coseSign1SigStructure,
  decodeCoseSign1,
} from './nitro/decode-cose-sign1.js';
export { type NitroDocument, parseNitroDocument } from './nitro/parse-nitro-document.js';
export { fetchVcek, vcekUrl } from './sev-snp/fetch-vcek.js';
export {
  type HclReport,
  hclReportData,
  isHclReport,
  parseHclReport,
} from './sev-snp/parse-hcl-report.js';
export { parseSnpReport, SNP_REPORT_LENGTH, type SnpReport } from './sev-snp/parse-snp-report.js';
export { type ParsedThimCollateral, parseThimCollateral } from './sev-snp/parse-thim-collateral.js';
export { parseVcekExtensions, type VcekExtensions } from './sev-snp/parse-vcek-extensions.js';
export { decodeTcb, productFromCpuid } from './sev-snp/snp-product.js';
export { verifyVcekChain } from './sev-snp/verify-vcek-chain.js';
export { type MeasuredFile, simulatedMeasurement } from './simulated/simulated-measurement.js';
export {
  encodeSimulatedReportBody,
  parseSimulatedReport,
  SIMULATED_REPORT_LENGTH,
  type SimulatedReport,
} from './simulated/simulated-report.js';
export { type Crl, crlBytes, parseCrl } from './tdx/parse-crl.js';
export { type PckExtensions, parsePckExtensions } from './tdx/parse-pck-extensions.js';
export { parseQeIdentity, type QeIdentity } from './tdx/parse-qe-identity.js';
export { parseTcbInfo, type TdxTcbInfo } from './tdx/parse-tcb-info.js';
export { parseTdxQuote, TDX_QUOTE, type TdxQuote } from './tdx/parse-tdx-quote.js';
export { CheckList, type CheckValues, runChecks } from './verifier/check-list.js';
export {
  type AcceptedValueCheck,
  policyHexValue,
  requireAcceptedValue,
  requireExpectedBytes,
} from './verifier/expected-values.js';
export {
  type Certificate,
  certificateBytes,
  decodePemCertificates,
  type PublicKey,
  parseCertificate,
  type SignatureAlgorithm,
} from './x509/parse-certificate.js';
export {
  type ChainLink,
  certificateFingerprint,
  verifyCertificateChain,
} from './x509/verify-certificate-chain.js';
export { clearSignatureCaches, verifySignature } from './x509/verify-signature.js';
