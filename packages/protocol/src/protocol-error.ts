/** Stable codes of {@link ProtocolError}. Codes never change meaning; new ones may be added. */
export type ProtocolErrorCode =
  /** The attestation evidence envelope is not valid protocol v1 JSON. */
  | 'PROTOCOL_MALFORMED_ENVELOPE'
  /** A call (or attest) request is malformed: bad header, short body, bad CBOR, bad fields. */
  | 'PROTOCOL_MALFORMED_REQUEST'
  /** The call names a key id the server does not hold: the client should attest again. */
  | 'PROTOCOL_UNKNOWN_KEY'
  /** The call header names a KEM, KDF or AEAD this implementation does not accept. */
  | 'PROTOCOL_UNSUPPORTED_SUITE'
  /** The sealed request did not open (wrong key, tampered bytes). */
  | 'PROTOCOL_DECRYPT_FAILED'
  /** The sealed response did not open (tampered, truncated, or sealed for another request). */
  | 'PROTOCOL_RESPONSE_TAMPERED'
  /** The response opened but its content is not a valid CallResponse. */
  | 'PROTOCOL_MALFORMED_RESPONSE'
  /** Low-level decoding failed (base64, base64url, hex or CBOR outside a request or response). */
  | 'PROTOCOL_MALFORMED_ENCODING'
  /** An input exceeds a decoding limit (CBOR depth, item count or size; a body or chunk limit). */
  | 'PROTOCOL_LIMIT_EXCEEDED'
  /** (v1.1) A chunked body ended before its final chunk, or has bytes after it. */
  | 'PROTOCOL_TRUNCATED'
  /** (v1.1) A session message's sequence number was already admitted or is below the window. */
  | 'PROTOCOL_REPLAYED'
  /** (v1.1) A session message names a session the server does not hold. */
  | 'PROTOCOL_UNKNOWN_SESSION';

/** The one error class of `@blindbox/protocol`. Every parser and opener fails closed with it. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
