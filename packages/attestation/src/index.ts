export { AttestationError, type AttestationErrorCode, CheckList } from './attestation-error.js';
export { base64ToBytes, bytesToBase64 } from './base64.js';
export { bytesEqual, fromHex, toHex } from './bytes.js';
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
