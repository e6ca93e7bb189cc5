/*
 * The public API of @blindbox/protocol: what a client or an enclave runtime calls. Parsers of
 * low-level encodings (CBOR, chunk frames, HPKE primitives, base64/hex) are on `./internal`.
 */
export type { AppManifest, EndpointManifest, TypeSchema } from './app-manifest.js';
export { type AttestRequest, newNonce, parseAttestRequest } from './attest-request.js';
export type {
  CallRequest,
  CallResponse,
  RemoteErrorBody,
  ResponseExtensions,
} from './call-messages.js';
export { CBOR_DEFAULT_LIMITS, CBOR_MAX_DEPTH, type CborLimits } from './cbor.js';
export { computeBinding } from './compute-binding.js';
export {
  AEAD_IDS,
  ATTEST_CONTENT_TYPE,
  ATTEST_PATH,
  CALL_CONTENT_TYPE,
  CALL_PATH,
  DEFAULT_CHUNK_LENGTH,
  HEALTH_PATH,
  KDF_ID,
  KEM_ID,
  MAX_CHUNK_LENGTH,
  MAX_SESSIONS,
  NOT_RUN_BUSY,
  NOT_RUN_PREFIX,
  NOT_RUN_STALE,
  PROBLEM_CONTENT_TYPE,
  PROTOCOL_VERSION,
  REPLAY_CACHE_ENTRIES,
  REPLAY_FUTURE_WINDOW_MS,
  REPLAY_PAST_WINDOW_MS,
  REPLAYED_PROBLEM_TITLE,
  REPLAYED_PROBLEM_TYPE,
  REQUEST_HEADER_LENGTH,
  REQUEST_INFO_LABEL,
  RESPONSE_CONTENT_TYPE,
  SESSION_HEADER_LENGTH,
  SESSION_IDLE_SECONDS,
  SESSION_MESSAGE_VERSION,
  SESSION_OPEN_ENDPOINT,
  SESSION_TTL_SECONDS,
  SESSION_WINDOW,
  SUPPORTED_PROTOCOLS,
  UNKNOWN_KEY_PROBLEM_TITLE,
  UNKNOWN_KEY_PROBLEM_TYPE,
  UNKNOWN_SESSION_PROBLEM_TITLE,
  UNKNOWN_SESSION_PROBLEM_TYPE,
} from './constants.js';
export type { EnvelopeGpuEvidence } from './envelope-gpus.js';
export type { AeadName } from './hpke-suite.js';
export {
  MIN_REQUEST_LENGTH,
  type OpenedRequest,
  type OpenRequestOptions,
  openRequest,
} from './open-request.js';
export { type EvidenceEnvelope, parseEvidenceEnvelope } from './parse-envelope.js';
export { ProtocolError, type ProtocolErrorCode } from './protocol-error.js';
export { REFUSAL_PREFIX_LENGTH, refuseRequest } from './refuse-request.js';
export {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  RELEASE_PREDICATE_TYPE,
  type ReleasePredicate,
  type ReleasePredicateCore,
  type ReleaseStatement,
  type ReleaseSubject,
} from './release-statement.js';
export {
  LAUNCH_VALUES,
  RELEASE_VALUES,
  type ReleasePlatform,
  type ReleaseValueSpec,
  releaseKeyPlatform,
  SNP_TCB_FORMAT,
  TDX_TCB_STATUSES,
} from './release-values.js';
export { ReplayCache, type ReplayCacheOptions, type ReplayVerdict } from './replay/replay-cache.js';
export { ReplayWindow } from './replay/replay-window.js';
export { type SealedRequest, type SealTarget, sealRequest } from './seal-request.js';
export { selectAead } from './select-aead.js';
export { computeKeyId, deriveServerKey, generateServerKey, type ServerKey } from './server-key.js';
export type { SessionKeys } from './session/derive-session-keys.js';
export {
  type OpenedSessionRequest,
  type OpenSessionRequestOptions,
  openSessionRequest,
  type ServerSessionState,
} from './session/open-session-message.js';
export {
  type OpenedSessionResponse,
  type SealedSessionRequest,
  type SealSessionRequestOptions,
  type SessionResponseLimits,
  sealSessionRequest,
} from './session/seal-session-message.js';
export { isSessionMessage, parseSessionHeader, type SessionHeader } from './session/session-header.js';
export type { ByteSource } from './stream/seal-chunks.js';
