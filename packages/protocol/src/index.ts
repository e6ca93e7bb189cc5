export type { AppManifest, EndpointManifest, TypeSchema } from './app-manifest.js';
export { type AttestRequest, newNonce, parseAttestRequest } from './attest-request.js';
export { base64Decode, base64Encode, base64urlDecode, base64urlEncode } from './base64url.js';
export {
  type CallRequest,
  type CallResponse,
  MAX_ENDPOINT_LENGTH,
  MAX_REQUEST_ID_LENGTH,
  type RemoteErrorBody,
} from './call-messages.js';
export { CBOR_MAX_DEPTH, decodeCbor, encodeCbor } from './cbor.js';
export { computeBinding } from './compute-binding.js';
export {
  AEAD_IDS,
  ATTEST_PATH,
  BINDING_LABEL,
  BINDING_LENGTH,
  CALL_CONTENT_TYPE,
  CALL_PATH,
  ENC_LENGTH,
  HEALTH_PATH,
  KDF_ID,
  KEM_ID,
  KEY_ID_LENGTH,
  NONCE_LENGTH,
  PROBLEM_CONTENT_TYPE,
  PROTOCOL_VERSION,
  PUBLIC_KEY_LENGTH,
  REQUEST_HEADER_LENGTH,
  REQUEST_INFO_LABEL,
  RESPONSE_CONTENT_TYPE,
  RESPONSE_EXPORT_LABEL,
  UNKNOWN_KEY_PROBLEM_TITLE,
  UNKNOWN_KEY_PROBLEM_TYPE,
} from './constants.js';
export { hexDecode, hexEncode } from './hex.js';
export type { AeadName } from './hpke-suite.js';
export { MIN_REQUEST_LENGTH, type OpenedRequest, openRequest } from './open-request.js';
export { type EvidenceEnvelope, parseEvidenceEnvelope } from './parse-envelope.js';
export { ProtocolError, type ProtocolErrorCode } from './protocol-error.js';
export {
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  RELEASE_PREDICATE_TYPE,
  type ReleasePredicate,
  type ReleasePredicateCore,
  type ReleaseStatement,
  type ReleaseSubject,
} from './release-statement.js';
export { type SealedRequest, type SealTarget, sealRequest } from './seal-request.js';
export { selectAead } from './select-aead.js';
export { computeKeyId, deriveServerKey, generateServerKey, type ServerKey } from './server-key.js';
