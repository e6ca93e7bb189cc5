import { equalBytes } from '@blindbox/bytes';
import { hashChildren } from './merkle-hash.js';

/**
 * RFC 9162 §2.1.3.2: verifies that `leafHash` is leaf `leafIndex` of the tree of size `treeSize`
 * whose root is `rootHash`, given the inclusion path (leaf side first). Returns false on any mismatch,
 * including a proof of the wrong length.
 */
export function verifyInclusionProof(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  rootHash: Uint8Array,
): boolean {
  const root = rootFromInclusionProof(leafIndex, treeSize, leafHash, proof);
  return root !== undefined && equalBytes(root, rootHash);
}

/** The root an inclusion proof leads to, or undefined when the proof is structurally invalid. */
export function rootFromInclusionProof(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize)) return undefined;
  // step 1
  if (leafIndex < 0 || leafIndex >= treeSize) return undefined;
  // step 2: fn, sn
  let fn = leafIndex;
  let sn = treeSize - 1;
  // step 3
  let r = leafHash;
  // step 4
  for (const p of proof) {
    if (p.length !== 32) return undefined;
    // 4a
    if (sn === 0) return undefined;
    // 4b
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    // 4c
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // step 5: sn must be 0, else the path was too short
  return sn === 0 ? r : undefined;
}
