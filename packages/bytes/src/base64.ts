import { base64, base64nopad, base64urlnopad } from '@scure/base';
import { EncodingError } from './encoding-error.js';

function strict(decode: (text: string) => Uint8Array, text: string, what: string): Uint8Array {
  if (typeof text !== 'string') throw new EncodingError(`expected ${what}, got ${typeof text}`);
  try {
    return decode(text);
  } catch (error) {
    throw new EncodingError(`expected ${what}: ${(error as Error).message}`);
  }
}

/** Standard base64 (RFC 4648 §4) with padding. */
export function base64Encode(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/**
 * Strict standard base64 (RFC 4648 §4): standard alphabet, padding optional but exact when present,
 * no whitespace, zero pad bits (RFC 4648 §3.5: anything else is a second spelling of the same bytes).
 */
export function base64Decode(text: string): Uint8Array {
  const padded = typeof text === 'string' && text.length % 4 === 0 && text.endsWith('=');
  return strict(padded ? base64.decode : base64nopad.decode, text, 'base64');
}

/** Base64url (RFC 4648 §5) without padding. */
export function base64urlEncode(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** Strict base64url (RFC 4648 §5): URL-safe alphabet only, no padding, no whitespace, zero pad bits. */
export function base64urlDecode(text: string): Uint8Array {
  return strict(base64urlnopad.decode, text, 'unpadded base64url');
}

/**
 * Base64 as certificate collateral arrives in the wild: standard or URL-safe alphabet, padding
 * optional, surrounding whitespace ignored. Linear time on any input (the text may come from a
 * hostile server). Use only where the decoded bytes are authenticated afterwards (a signature over
 * them), never for values compared as strings.
 */
export function base64DecodeLenient(text: string): Uint8Array {
  if (typeof text !== 'string') throw new EncodingError(`expected base64, got ${typeof text}`);
  const mapped = text.trim().replace(/-/g, '+').replace(/_/g, '/');
  // Strip the padding with a loop: /=+$/ backtracks quadratically on a long run of '=' not at the end.
  let end = mapped.length;
  while (end > 0 && mapped.charCodeAt(end - 1) === 0x3d) end--;
  const clean = mapped.slice(0, end);
  if (!/^[A-Za-z0-9+/]*$/.test(clean) || clean.length % 4 === 1) throw new EncodingError('not base64');
  const bin = atob(clean + '='.repeat((4 - (clean.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
