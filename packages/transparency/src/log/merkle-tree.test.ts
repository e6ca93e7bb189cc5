import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashChildren, hashLeaf } from './merkle-hash.js';
import { EMPTY_ROOT, largestPowerOfTwoBelow, MemoryHashStorage, MerkleTree } from './merkle-tree.js';
import { verifyConsistencyProof } from './verify-consistency-proof.js';
import { verifyInclusionProof } from './verify-inclusion-proof.js';

// The naive reference: RFC 9162 §2.1.1–§2.1.4.1 transcribed literally over the list of leaves.
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return EMPTY_ROOT;
  if (d.length === 1) return hashLeaf(d[0] as Uint8Array);
  const k = largestPowerOfTwoBelow(d.length);
  return hashChildren(mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = largestPowerOfTwoBelow(d.length);
  return m < k
    ? [...path(m, d.slice(0, k)), mth(d.slice(k))]
    : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = largestPowerOfTwoBelow(d.length);
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}
const leafData = (i: number) => new TextEncoder().encode(`leaf-${i}`);
const treeOf = (n: number) => {
  const leaves = Array.from({ length: n }, (_, i) => leafData(i));
  const tree = new MerkleTree();
  tree.append(leaves.map(hashLeaf));
  return { leaves, tree };
};
const hex = (a: Uint8Array[]) => a.map((h) => Buffer.from(h).toString('hex'));

// Built once and reused: a tree of 2,000 leaves contains every smaller tree as a prefix.
const big = treeOf(2000);

describe('MerkleTree (RFC 9162 §2.1) against the naive reference', () => {
  it('roots match MTH for every prefix size 0..600 and random sizes up to 2000', () => {
    for (let n = 0; n <= 600; n++)
      expect(hex([big.tree.rootHash(n)])).toEqual(hex([mth(big.leaves.slice(0, n))]));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), (n) => {
        expect(hex([big.tree.rootHash(n)])).toEqual(hex([mth(big.leaves.slice(0, n))]));
      }),
      { numRuns: 50 },
    );
  });

  it('inclusion proofs equal PATH(m, D[n]) and verify with the §2.1.3.2 algorithm', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 2000 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, m]) => {
          const d = big.leaves.slice(0, n);
          const proof = big.tree.inclusionProof(m, n);
          expect(hex(proof)).toEqual(hex(path(m, d)));
          const root = mth(d);
          const leaf = hashLeaf(d[m] as Uint8Array);
          expect(verifyInclusionProof(m, n, leaf, proof, root)).toBe(true);
          // wrong index, another tree's root, wrong leaf, truncated or extended proof: all rejected
          if (n > 1) expect(verifyInclusionProof((m + 1) % n, n, leaf, proof, root)).toBe(false);
          expect(verifyInclusionProof(m, n, leaf, proof, mth([...d, leafData(-2)]))).toBe(false);
          expect(verifyInclusionProof(m, n, hashLeaf(leafData(-1)), proof, root)).toBe(false);
          if (proof.length > 0) expect(verifyInclusionProof(m, n, leaf, proof.slice(1), root)).toBe(false);
          expect(verifyInclusionProof(m, n, leaf, [...proof, root], root)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('consistency proofs equal PROOF(m, D[n]) and verify with the §2.1.4.2 algorithm', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 2000 })
          .chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))),
        ([m, n]) => {
          const d = big.leaves.slice(0, n);
          const proof = big.tree.consistencyProof(m, n);
          expect(hex(proof)).toEqual(hex(m === n ? [] : subproof(m, d, true)));
          const first = mth(d.slice(0, m));
          const second = mth(d);
          expect(verifyConsistencyProof(m, n, first, second, proof)).toBe(true);
          // a different history (one leaf changed) is not consistent
          const forked = [...d.slice(0, m - 1), leafData(-1)];
          expect(verifyConsistencyProof(m, n, mth(forked), second, proof)).toBe(false);
          if (proof.length > 0) {
            expect(verifyConsistencyProof(m, n, first, second, proof.slice(0, -1))).toBe(false);
            expect(verifyConsistencyProof(m, n, first, mth([...d, leafData(-2)]), proof)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('appending in batches of any shape gives the same tree', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }), (batches) => {
        const tree = new MerkleTree();
        let at = 0;
        for (const b of batches) {
          tree.append(big.leaves.slice(at, at + b).map(hashLeaf));
          at = Math.min(2000, at + b);
        }
        expect(hex([tree.rootHash()])).toEqual(hex([big.tree.rootHash(at)]));
      }),
      { numRuns: 30 },
    );
  });

  it('storing only the tile levels (stride 8) gives the same roots, proofs and tiles as storing all (stride 1)', () => {
    const tiled = new MerkleTree(new MemoryHashStorage(), { stride: 8 });
    tiled.append(big.leaves.map(hashLeaf));
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 2000 })
          .chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))),
        ([m, n]) => {
          expect(hex([tiled.rootHash(n)])).toEqual(hex([big.tree.rootHash(n)]));
          expect(hex(tiled.inclusionProof(m - 1, n))).toEqual(hex(big.tree.inclusionProof(m - 1, n)));
          expect(hex(tiled.consistencyProof(m, n))).toEqual(hex(big.tree.consistencyProof(m, n)));
        },
      ),
      { numRuns: 100 },
    );
    expect(hex([tiled.tileHashes(1, 0, 7)])).toEqual(hex([big.tree.tileHashes(1, 0, 7)]));
    expect(hex([tiled.tileHashes(0, 256, 256)])).toEqual(hex([big.tree.tileHashes(0, 256, 256)]));
  });

  it('verifies consistency from sizes just below a large power of two (Math.log2 rounds 2^49 − 1 to 49)', () => {
    // a huge tree of identical leaves: every complete node at level k is the same hash, so a storage
    // that answers any index with it gives real roots and proofs in O(log n)
    const levels = [hashLeaf(leafData(0))];
    for (let k = 1; k <= 60; k++)
      levels.push(hashChildren(levels[k - 1] as Uint8Array, levels[k - 1] as Uint8Array));
    const size = 2 ** 50;
    const tree = new MerkleTree({
      count: (level) => Math.floor(size / 2 ** level),
      read: (level, _index, n) => {
        const out = new Uint8Array(n * 32);
        for (let i = 0; i < n; i++) out.set(levels[level] as Uint8Array, i * 32);
        return out;
      },
      append: () => {
        throw new Error('read-only');
      },
    });
    for (const m of [2 ** 49 - 1, 2 ** 49 + 2 ** 48 - 1, 2 ** 50 - 5]) {
      const n = Math.min(size, m + 3);
      const proof = tree.consistencyProof(m, n);
      expect(verifyConsistencyProof(m, n, tree.rootHash(m), tree.rootHash(n), proof)).toBe(true);
    }
  });

  it('refuses proofs outside the tree', () => {
    expect(() => big.tree.inclusionProof(2000, 2000)).toThrow(RangeError);
    expect(() => big.tree.consistencyProof(5, 2001)).toThrow(RangeError);
    expect(verifyConsistencyProof(0, 10, EMPTY_ROOT, big.tree.rootHash(10), [])).toBe(true);
  });
});
