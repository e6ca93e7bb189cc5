import { equalBytes as nobleEqualBytes } from '@noble/curves/utils.js';
import { concatBytes as nobleConcatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/** One array holding each argument's bytes in order. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return nobleConcatBytes(...parts);
}

/**
 * Equality whose time depends only on the lengths (which are public), not on where the bytes first
 * differ: use it for MACs, digests and measurements an attacker may probe.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return nobleEqualBytes(a, b);
}

/** UTF-8 bytes of a string. */
export function utf8Encode(text: string): Uint8Array {
  return utf8ToBytes(text);
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The string of UTF-8 bytes; throws a `TypeError` on invalid UTF-8 rather than inserting U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
