import { equalBytes } from '@blindbox/bytes';
import { hashChildren } from './merkle-hash.js';

/**
 * RFC 9162 §2.1.4.2: verifies that the tree of `firstSize` leaves with root `firstHash` is a prefix of
 * the tree of `secondSize` leaves with root `secondHash`. Equal sizes need equal roots and an empty
 * proof; an empty first tree is consistent with every tree.
 */
export function verifyConsistencyProof(
  firstSize: number,
  secondSize: number,
  firstHash: Uint8Array,
  secondHash: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(firstSize) || !Number.isSafeInteger(secondSize)) return false;
  if (firstSize < 0 || firstSize > secondSize) return false;
  if (proof.some((p) => p.length !== 32)) return false;
  if (firstSize === secondSize) return proof.length === 0 && equalBytes(firstHash, secondHash);
  if (firstSize === 0) return proof.length === 0;
  // step 1
  if (proof.length === 0) return false;
  // step 2: a power-of-two first tree is itself a node of the second; the path omits it
  const path = isPowerOfTwo(firstSize) ? [firstHash, ...proof] : [...proof];
  // step 3
  let fn = firstSize - 1;
  let sn = secondSize - 1;
  // step 4
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // step 5
  let fr = path[0] as Uint8Array;
  let sr = path[0] as Uint8Array;
  // step 6
  for (const c of path.slice(1)) {
    // 6a
    if (sn === 0) return false;
    // 6b
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    // 6c
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // step 7
  return sn === 0 && equalBytes(fr, firstHash) && equalBytes(sr, secondHash);
}

function isPowerOfTwo(n: number): boolean {
  // exact for every safe integer: Math.log2 alone rounds 2^49 − 1 up to 49
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}
