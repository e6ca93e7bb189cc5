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

// ---- protocol v1.1 (docs/protocol.md §11) ----

/** Protocol versions a v1.1 server lists in the envelope's optional `protocols` member. */
export const SUPPORTED_PROTOCOLS = ['1', '1.1'] as const;
/** First byte of a session message body (a v1 one-shot call starts with {@link PROTOCOL_VERSION}). */
export const SESSION_MESSAGE_VERSION = 2;
/** HPKE exporter context of the session secret. */
export const SESSION_EXPORT_LABEL = 'blindbox/session/v1';
/** Bytes of a session id. */
export const SESSION_ID_LENGTH = 16;
/** Bytes of the clear session header: version, key id (8), session id (16), seq (u64), flags. */
export const SESSION_HEADER_LENGTH = 34;
/** The reserved endpoint name that opens a session and runs nothing. */
export const SESSION_OPEN_ENDPOINT = '$session';
/** Default sliding replay window of a session, in messages (IPsec/DTLS style bitmap). */
export const SESSION_WINDOW = 1024;
/** Largest plaintext of one chunk; a receiver rejects longer frames. */
export const MAX_CHUNK_LENGTH = 1 << 20;
/** Chunk size senders use by default. */
export const DEFAULT_CHUNK_LENGTH = 256 * 1024;
/** Bytes of a frame's length word (bit 31: final, bits 0..30: sealed length). */
export const FRAME_HEADER_LENGTH = 4;
/** Problem `type` of the unknown-session answer (HTTP 400), decided before any cryptography. */
export const UNKNOWN_SESSION_PROBLEM_TYPE = 'https://blindbox.dev/problems/unknown-session';
/** The `title` of the unknown-session problem. */
export const UNKNOWN_SESSION_PROBLEM_TITLE = 'unknown-session';
/** Problem `type` of the replayed answer (HTTP 409): a one-shot `enc` or a session `seq` seen before. */
export const REPLAYED_PROBLEM_TYPE = 'https://blindbox.dev/problems/replayed';
/** The `title` of the replayed problem. */
export const REPLAYED_PROBLEM_TITLE = 'replayed';
/** Prefix of the sealed error codes that prove the handler did not run (runtime-only; handlers cannot use it). */
export const NOT_RUN_PREFIX = 'NOT_RUN_';
/** Sealed refusal: `sentAt` outside the freshness window (the response carries `serverTime`). */
export const NOT_RUN_STALE = 'NOT_RUN_STALE';
/** Sealed refusal: the server is over its memory budget; retry after a while. */
export const NOT_RUN_BUSY = 'NOT_RUN_BUSY';
/** One-shot freshness window: oldest accepted `sentAt`, relative to the server clock. */
export const REPLAY_PAST_WINDOW_MS = 300_000;
/** One-shot freshness window: newest accepted `sentAt`, relative to the server clock. */
export const REPLAY_FUTURE_WINDOW_MS = 60_000;
/** Default bound of a one-shot replay cache, in entries. */
export const REPLAY_CACHE_ENTRIES = 250_000;
/** Default lifetime of a session, seconds. */
export const SESSION_TTL_SECONDS = 3600;
/** Default idle timeout of a session on the server, seconds. */
export const SESSION_IDLE_SECONDS = 600;
/** Default largest number of sessions a server keeps. */
export const MAX_SESSIONS = 10_000;
/** The media type of an attest request body. */
export const ATTEST_CONTENT_TYPE = 'application/json';
