/** The protocol version: the first byte of every call body and `version` of the evidence envelope. */
export const PROTOCOL_VERSION = 1;

/** `POST` a JSON {@link AttestRequest}; answers an {@link EvidenceEnvelope} (200, `application/json`). */
export const ATTEST_PATH = '/.well-known/blindbox/v1/attest';
/** `POST` a sealed call body ({@link CALL_CONTENT_TYPE}); answers a sealed response body. */
export const CALL_PATH = '/.well-known/blindbox/v1/call';
/** `GET`: liveness only, reveals nothing about the enclave. */
export const HEALTH_PATH = '/.well-known/blindbox/v1/health';

/** Media type of a sealed call request body. */
export const CALL_CONTENT_TYPE = 'application/blindbox-call';
/** Media type of a sealed call response body. */
export const RESPONSE_CONTENT_TYPE = 'application/blindbox-response';
/** Media type of the one plaintext error a call may answer (unknown key), RFC 9457. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/**
 * The problem `type` (RFC 9457) the server answers, with HTTP 400 and `title: "unknown-key"`, when a
 * call names a key id it does not hold; the client then attests again (as OHTTP, RFC 9458 §5.3).
 */
export const UNKNOWN_KEY_PROBLEM_TYPE = 'https://blindbox.dev/problems/unknown-key';
/** The `title` of the unknown-key problem. */
export const UNKNOWN_KEY_PROBLEM_TITLE = 'unknown-key';

/** RFC 9180 §7.1: DHKEM(X25519, HKDF-SHA256). */
export const KEM_ID = 0x0020;
/** RFC 9180 §7.2: HKDF-SHA256. */
export const KDF_ID = 0x0001;
/** RFC 9180 §7.3 AEAD ids this protocol accepts. */
export const AEAD_IDS = { 'aes-128-gcm': 0x0001, 'chacha20-poly1305': 0x0003 } as const;

/** Prefix of the attestation binding (followed by a 0x00 byte). */
export const BINDING_LABEL = 'blindbox/attest/v1';
/** Prefix of the HPKE `info` of a call (followed by 0x00 and the request header). */
export const REQUEST_INFO_LABEL = 'blindbox/call/v1 request';
/** HPKE exporter context of the response secret (RFC 9458 §4.4 uses "message/bhttp response"). */
export const RESPONSE_EXPORT_LABEL = 'blindbox/call/v1 response';

/** Bytes of the clear request header: version, key id (8), kem_id, kdf_id, aead_id (u16 each). */
export const REQUEST_HEADER_LENGTH = 15;
/** Bytes of a key id. */
export const KEY_ID_LENGTH = 8;
/** Bytes of `enc` for DHKEM(X25519): Nenc (RFC 9180 §7.1). */
export const ENC_LENGTH = 32;
/** Bytes of an X25519 public key: Npk. */
export const PUBLIC_KEY_LENGTH = 32;
/** Bytes of an attestation nonce. */
export const NONCE_LENGTH = 32;
/** Bytes of the binding (SHA-512). */
export const BINDING_LENGTH = 64;
/** Bytes of an AEAD tag (Nt) for both accepted AEADs. */
export const TAG_LENGTH = 16;
