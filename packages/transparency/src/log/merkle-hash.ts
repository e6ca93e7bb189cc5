import { concatBytes } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';

/** RFC 6962 §2.1 / RFC 9162 §2.1.1: domain separation between leaves (0x00) and nodes (0x01). */
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** `SHA-256(0x00 ‖ leaf)`: the hash of one log entry (RFC 9162 §2.1.1). */
export function hashLeaf(leaf: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF_PREFIX, leaf));
}

/** `SHA-256(0x01 ‖ left ‖ right)`: an interior node (RFC 9162 §2.1.1). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}
