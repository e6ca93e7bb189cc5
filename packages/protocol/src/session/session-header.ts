import {
  KEY_ID_LENGTH,
  SESSION_HEADER_LENGTH,
  SESSION_ID_LENGTH,
  SESSION_MESSAGE_VERSION,
} from '../constants.js';
import { ProtocolError } from '../protocol-error.js';

/** The clear header of a session message (docs/protocol.md §11.3). */
export interface SessionHeader {
  keyId: Uint8Array;
  sessionId: Uint8Array;
  seq: number;
}

/** version (0x02) ‖ key_id (8) ‖ session_id (16) ‖ u64 seq ‖ flags (0x00) = 34 bytes. */
export function encodeSessionHeader(header: SessionHeader): Uint8Array {
  if (header.keyId.length !== KEY_ID_LENGTH) throw new RangeError(`keyId must be ${KEY_ID_LENGTH} bytes`);
  if (header.sessionId.length !== SESSION_ID_LENGTH)
    throw new RangeError(`sessionId must be ${SESSION_ID_LENGTH} bytes`);
  if (!Number.isSafeInteger(header.seq) || header.seq < 0)
    throw new RangeError('seq must be an integer in [0, 2^53)');
  const out = new Uint8Array(SESSION_HEADER_LENGTH);
  const view = new DataView(out.buffer);
  out[0] = SESSION_MESSAGE_VERSION;
  out.set(header.keyId, 1);
  out.set(header.sessionId, 9);
  view.setUint32(25, Math.floor(header.seq / 2 ** 32));
  view.setUint32(29, header.seq >>> 0);
  out[33] = 0;
  return out;
}

/** Whether a call body is a session message (its first byte), before anything else is read. */
export function isSessionMessage(firstBytes: Uint8Array): boolean {
  return firstBytes.length > 0 && firstBytes[0] === SESSION_MESSAGE_VERSION;
}

/**
 * Parses the first {@link SESSION_HEADER_LENGTH} bytes of a session message. No cryptography: the
 * server then looks up (keyId, sessionId) and answers unknown-key / unknown-session before opening.
 *
 * @throws ProtocolError `PROTOCOL_MALFORMED_REQUEST` (short, wrong version, flags ≠ 0, seq ≥ 2^53).
 */
export function parseSessionHeader(bytes: Uint8Array): SessionHeader {
  if (!(bytes instanceof Uint8Array) || bytes.length < SESSION_HEADER_LENGTH) {
    throw new ProtocolError(
      'PROTOCOL_MALFORMED_REQUEST',
      `a session message starts with ${SESSION_HEADER_LENGTH} header bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, SESSION_HEADER_LENGTH);
  if (bytes[0] !== SESSION_MESSAGE_VERSION)
    throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', 'not a session message');
  if (bytes[33] !== 0)
    throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', 'reserved session flags must be 0');
  const high = view.getUint32(25);
  if (high >= 2 ** 21) throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', 'seq must be below 2^53');
  return {
    keyId: bytes.slice(1, 9),
    sessionId: bytes.slice(9, 25),
    seq: high * 2 ** 32 + view.getUint32(29),
  };
}
