import * as bytes from '@blindbox/bytes';
import { ProtocolError } from './protocol-error.js';

/*
 * The encoders of @blindbox/bytes (the one encoding module of BlindBox), with this package's typed
 * error: a decoding failure is `ProtocolError('PROTOCOL_MALFORMED_ENCODING')`, as it always was.
 */

function typed<T>(decode: (text: string) => T, text: string): T {
  try {
    return decode(text);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ProtocolError('PROTOCOL_MALFORMED_ENCODING', why, { cause });
  }
}

/** Base64url (RFC 4648 §5) without padding. */
export const base64urlEncode: (data: Uint8Array) => string = bytes.base64urlEncode;
/** Standard base64 (RFC 4648 §4) with padding. */
export const base64Encode: (data: Uint8Array) => string = bytes.base64Encode;
/** Lowercase hex. */
export const hexEncode: (data: Uint8Array) => string = bytes.hexEncode;

/** Strict unpadded base64url; throws `ProtocolError('PROTOCOL_MALFORMED_ENCODING')`. */
export function base64urlDecode(text: string): Uint8Array {
  return typed(bytes.base64urlDecode, text);
}

/** Strict standard base64 (padding optional but exact); throws `PROTOCOL_MALFORMED_ENCODING`. */
export function base64Decode(text: string): Uint8Array {
  return typed(bytes.base64Decode, text);
}

/** Hex of even length, either case; throws `PROTOCOL_MALFORMED_ENCODING`. */
export function hexDecode(text: string): Uint8Array {
  return typed(bytes.hexDecode, text);
}
