import { ProtocolError } from './protocol-error.js';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

function decode(text: string, alphabet: string, what: string): Uint8Array {
  const fail = (why: string): never => {
    throw new ProtocolError('PROTOCOL_MALFORMED_ENCODING', `expected ${what}: ${why}`);
  };
  if (typeof text !== 'string') fail(`got ${typeof text}`);
  if (text.length % 4 === 1) fail('impossible length');
  const values = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const v = alphabet.indexOf(text[i]!);
    if (v < 0) fail(`invalid character at offset ${i}`);
    values[i] = v;
  }
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 3 < text.length; i += 4) {
    const n = (values[i]! << 18) | (values[i + 1]! << 12) | (values[i + 2]! << 6) | values[i + 3]!;
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = text.length - i;
  if (rest === 2) {
    const n = (values[i]! << 18) | (values[i + 1]! << 12);
    // RFC 4648 §3.5: canonical encodings have zero pad bits; anything else is a second spelling.
    if (n & 0xffff) fail('non-zero padding bits');
    out[o++] = n >>> 16;
  } else if (rest === 3) {
    const n = (values[i]! << 18) | (values[i + 1]! << 12) | (values[i + 2]! << 6);
    if (n & 0xff) fail('non-zero padding bits');
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
  }
  return out.subarray(0, o);
}

/** Base64url (RFC 4648 §5) without padding. */
export function base64urlEncode(bytes: Uint8Array): string {
  return encode(bytes, URL, false);
}

/**
 * Strict base64url (RFC 4648 §5) decoding: URL-safe alphabet only, no padding, no whitespace, zero
 * pad bits. Throws `ProtocolError('PROTOCOL_MALFORMED_ENCODING')` on anything else.
 */
export function base64urlDecode(text: string): Uint8Array {
  return decode(text, URL, 'unpadded base64url');
}

/** Standard base64 (RFC 4648 §4) with padding. */
export function base64Encode(bytes: Uint8Array): string {
  return encode(bytes, STD, true);
}

/**
 * Strict standard base64 (RFC 4648 §4): standard alphabet, padding optional but correct when
 * present, no whitespace, zero pad bits. Throws `ProtocolError('PROTOCOL_MALFORMED_ENCODING')`.
 */
export function base64Decode(text: string): Uint8Array {
  if (typeof text === 'string' && text.length % 4 === 0 && text.endsWith('=')) {
    const unpadded = text.endsWith('==') ? text.slice(0, -2) : text.slice(0, -1);
    if (unpadded.endsWith('=')) {
      throw new ProtocolError('PROTOCOL_MALFORMED_ENCODING', 'expected base64: too much padding');
    }
    return decode(unpadded, STD, 'base64');
  }
  return decode(text, STD, 'base64');
}
