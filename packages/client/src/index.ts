export { AttestationError, type VerificationReport } from '@blindbox/attestation';
export { ProtocolError } from '@blindbox/protocol';
export { type AcceptedRelease, acceptMeasurementFromRelease } from './accept-measurement.js';
export { type AttestedServer, type AttestOptions, attestServer } from './attest-server.js';
export { ClientError, type ClientErrorCode, RemoteError } from './client-error.js';
export type {
  ClientPolicy,
  PinnedPolicy,
  PinnedRelease,
  ReleaseSigner,
  SignedReleasePolicy,
} from './client-policy.js';
export { type ConnectOptions, connect, type Session } from './connect.js';
