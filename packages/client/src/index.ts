export { AttestationError, type GpuVerificationReport, type VerificationReport } from '@blindbox/attestation';
export { ProtocolError } from '@blindbox/protocol';
export { type AcceptedRelease, acceptMeasurementFromRelease } from './accept-measurement.js';
export { type AttestedServer, type AttestOptions, attestServer } from './attest-server.js';
export { chipIdOf } from './check-chip-id.js';
export {
  ClientError,
  type ClientErrorCode,
  type ClientErrorDetails,
  RemoteError,
  type TimeoutPhase,
} from './client-error.js';
export type { ClientLimits, ClientRetry, ClientTimeouts } from './client-limits.js';
export type {
  ClientPolicy,
  PinnedPolicy,
  PinnedRelease,
  ReleaseSigner,
  SignedReleasePolicy,
} from './client-policy.js';
export {
  type ComparedValue,
  compareReleaseValues,
  evidenceReleaseValues,
  type ReleaseComparison,
} from './compare-release-values.js';
export { type CallOptions, type ConnectOptions, connect, type Session } from './connect.js';
export type {
  DeviceReport,
  GpuPolicy,
  GpuPolicyWithoutRims,
  GpuPolicyWithRims,
} from './gpu-policy.js';
export type { ByteStream, EndpointInfo } from './prepare-input.js';
