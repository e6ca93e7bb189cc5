import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { EncodingError } from './encoding-error.js';

/** Lowercase hex of bytes. */
export function hexEncode(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** Bytes of a hex string of even length (either case, no prefix, no whitespace); throws {@link EncodingError}. */
export function hexDecode(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw new EncodingError(`expected a hex string, got ${typeof hex}`);
  try {
    return hexToBytes(hex);
  } catch {
    throw new EncodingError('expected a hex string of even length');
  }
}
