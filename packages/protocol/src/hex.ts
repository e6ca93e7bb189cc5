import { ProtocolError } from './protocol-error.js';

/** Lowercase hex of bytes. */
export function hexEncode(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Bytes of a lowercase or uppercase hex string of even length; throws `PROTOCOL_MALFORMED_ENCODING`. */
export function hexDecode(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ProtocolError('PROTOCOL_MALFORMED_ENCODING', 'expected a hex string of even length');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
