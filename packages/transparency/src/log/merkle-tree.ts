import { sha256 } from '@noble/hashes/sha2.js';
import { hashChildren } from './merkle-hash.js';

/**
 * C2SP tlog-tiles: a tile holds 2^8 = 256 hashes, and tile level L holds the complete nodes of Merkle
 * level 8·L. Storing only those levels is what makes `/tile/<L>/<N>` a plain byte range of one file.
 */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 1 << TILE_HEIGHT;
export const HASH_SIZE = 32;

/**
 * Where a {@link MerkleTree} keeps its complete node hashes, one list per stored level. With the
 * default stride of 1 every Merkle level is stored (a node is one 32-byte read; about 2·n hashes in
 * all); with a stride of 8 only the tile levels are (n·256/255 hashes; a node is a fold of up to 255
 * hashes). Either way C2SP tile level L is a plain byte range, and the tree keeps O(1) memory.
 */
export interface HashStorage {
  /** Number of hashes stored at tile level `level`. */
  count(level: number): number;
  /** `n` hashes of tile level `level`, starting at `index`, concatenated (n·32 bytes). */
  read(level: number, index: number, n: number): Uint8Array;
  /** Appends concatenated hashes at the end of tile level `level`. */
  append(level: number, hashes: Uint8Array): void;
}

/** A {@link HashStorage} in memory: for tests, the benchmark's reference and short-lived trees. */
export class MemoryHashStorage implements HashStorage {
  private readonly levels: Uint8Array[][] = [];

  count(level: number): number {
    return this.levels[level]?.length ?? 0;
  }

  read(level: number, index: number, n: number): Uint8Array {
    const hashes = this.levels[level] ?? [];
    const out = new Uint8Array(n * HASH_SIZE);
    for (let i = 0; i < n; i++) {
      const h = hashes[index + i];
      if (!h) throw new RangeError(`no hash ${index + i} at tile level ${level}`);
      out.set(h, i * HASH_SIZE);
    }
    return out;
  }

  append(level: number, hashes: Uint8Array): void {
    let list = this.levels[level];
    if (!list) {
      list = [];
      this.levels[level] = list;
    }
    for (let o = 0; o < hashes.length; o += HASH_SIZE) list.push(hashes.slice(o, o + HASH_SIZE));
  }
}

/** The largest power of two strictly smaller than `n` (n ≥ 2): the split point k of RFC 9162 §2.1.1. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH({}) = SHA-256() (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/**
 * An append-only RFC 6962 / RFC 9162 Merkle tree over a {@link HashStorage}. It answers the root of any
 * past size, inclusion proofs (§2.1.3.1) and consistency proofs (§2.1.4.1) for any pair of sizes up
 * to the current one, reading at most a few tiles per node.
 */
export class MerkleTree {
  /** Merkle levels per stored level: 1 stores every level, 8 only the C2SP tile levels. */
  readonly stride: number;

  constructor(
    readonly storage: HashStorage = new MemoryHashStorage(),
    options: { stride?: number } = {},
  ) {
    this.stride = options.stride ?? 1;
    if (![1, 2, 4, 8].includes(this.stride)) throw new RangeError('stride must be 1, 2, 4 or 8');
  }

  /** Number of leaves. */
  get size(): number {
    return this.storage.count(0);
  }

  /** Stored level holding Merkle level `level` (which must be a multiple of the stride). */
  storedLevel(level: number): number {
    return level / this.stride;
  }

  /** Appends leaf hashes (already `hashLeaf`ed) and the stored nodes they complete. */
  append(leafHashes: readonly Uint8Array[]): void {
    if (leafHashes.length === 0) return;
    const batch = new Uint8Array(leafHashes.length * HASH_SIZE);
    leafHashes.forEach((h, i) => {
      if (h.length !== HASH_SIZE) throw new RangeError('leaf hash must be 32 bytes');
      batch.set(h, i * HASH_SIZE);
    });
    this.storage.append(0, batch);
    this.completeLevels();
  }

  /**
   * Adds the stored nodes that full groups below imply and that are missing: after each append, and
   * at recovery when a crash came between writing one level and the next.
   */
  completeLevels(): void {
    const width = 2 ** this.stride;
    for (let level = 0; ; level++) {
      const below = this.storage.count(level);
      const expected = Math.floor(below / width);
      const have = this.storage.count(level + 1);
      if (expected === 0 && have === 0) return;
      if (have > expected)
        throw new RangeError(`stored level ${level + 1} has more nodes than level ${level} implies`);
      if (have < expected) {
        const out = new Uint8Array((expected - have) * HASH_SIZE);
        for (let t = have; t < expected; t++) {
          out.set(foldTile(this.storage.read(level, t * width, width)), (t - have) * HASH_SIZE);
        }
        this.storage.append(level + 1, out);
      }
    }
  }

  /**
   * Hash of the complete subtree at Merkle level `level` (2^level leaves) and position `index`: read
   * from stored level ⌊level/stride⌋ and folded up the remaining level mod stride steps.
   */
  nodeHash(level: number, index: number): Uint8Array {
    const stored = Math.floor(level / this.stride);
    const width = 2 ** (level % this.stride);
    const bytes = this.storage.read(stored, index * width, width);
    return width === 1 ? bytes.slice(0, HASH_SIZE) : foldTile(bytes);
  }

  /** The concatenated hashes of C2SP tile level `tileLevel` from `index`, `n` of them (a tile's bytes). */
  tileHashes(tileLevel: number, index: number, n: number): Uint8Array {
    const level = tileLevel * TILE_HEIGHT;
    if (level % this.stride === 0) return this.storage.read(level / this.stride, index, n);
    const out = new Uint8Array(n * HASH_SIZE);
    for (let i = 0; i < n; i++) out.set(this.nodeHash(level, index + i), i * HASH_SIZE);
    return out;
  }

  /**
   * MTH(D[start:end]) for an RFC 6962 subtree (start is a multiple of the largest power of two below
   * end − start, as every subtree of the recursive definition is): the complete subtrees the range
   * decomposes into, folded from the right.
   */
  subtreeHash(start: number, end: number): Uint8Array {
    if (end <= start) throw new RangeError(`empty range [${start}, ${end})`);
    const parts: Uint8Array[] = [];
    let at = start;
    while (at < end) {
      let size = 1;
      while (at % (size * 2) === 0 && at + size * 2 <= end) size *= 2;
      parts.push(this.nodeHash(Math.log2(size), at / size));
      at += size;
    }
    let acc = parts[parts.length - 1] as Uint8Array;
    for (let i = parts.length - 2; i >= 0; i--) acc = hashChildren(parts[i] as Uint8Array, acc);
    return acc;
  }

  /** The root hash of the tree at size `treeSize` (default: the current size). */
  rootHash(treeSize: number = this.size): Uint8Array {
    this.checkSize(treeSize);
    return treeSize === 0 ? EMPTY_ROOT : this.subtreeHash(0, treeSize);
  }

  /** PATH(m, D[n]) of RFC 9162 §2.1.3.1, leaf side first. */
  inclusionProof(index: number, treeSize: number = this.size): Uint8Array[] {
    this.checkSize(treeSize);
    if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
      throw new RangeError(`leaf ${index} is not in a tree of size ${treeSize}`);
    }
    const path: Uint8Array[] = [];
    const walk = (m: number, start: number, end: number): void => {
      if (end - start <= 1) return;
      const k = largestPowerOfTwoBelow(end - start);
      if (m < start + k) {
        walk(m, start, start + k);
        path.push(this.subtreeHash(start + k, end));
      } else {
        walk(m, start + k, end);
        path.push(this.subtreeHash(start, start + k));
      }
    };
    walk(index, 0, treeSize);
    return path;
  }

  /** PROOF(m, D[n]) of RFC 9162 §2.1.4.1 (empty when m = n or m = 0). */
  consistencyProof(firstSize: number, secondSize: number = this.size): Uint8Array[] {
    this.checkSize(secondSize);
    if (!Number.isSafeInteger(firstSize) || firstSize < 0 || firstSize > secondSize) {
      throw new RangeError(`no consistency proof from size ${firstSize} to ${secondSize}`);
    }
    if (firstSize === 0 || firstSize === secondSize) return [];
    const proof: Uint8Array[] = [];
    // SUBPROOF(m, D[start:end], b)
    const sub = (m: number, start: number, end: number, complete: boolean): void => {
      const n = end - start;
      if (m === n) {
        if (!complete) proof.push(this.subtreeHash(start, end));
        return;
      }
      const k = largestPowerOfTwoBelow(n);
      if (m <= k) {
        sub(m, start, start + k, complete);
        proof.push(this.subtreeHash(start + k, end));
      } else {
        sub(m - k, start + k, end, false);
        proof.push(this.subtreeHash(start, start + k));
      }
    };
    sub(firstSize, 0, secondSize, true);
    return proof;
  }

  private checkSize(treeSize: number): void {
    if (!Number.isSafeInteger(treeSize) || treeSize < 0 || treeSize > this.size) {
      throw new RangeError(`tree size ${treeSize} is beyond the log's size ${this.size}`);
    }
  }
}

/** Folds 2^j concatenated hashes into the root of their complete subtree. */
function foldTile(bytes: Uint8Array): Uint8Array {
  let level: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += HASH_SIZE) level.push(bytes.subarray(o, o + HASH_SIZE));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(hashChildren(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    level = next;
  }
  const root = level[0];
  if (!root) throw new RangeError('empty tile');
  return root.slice();
}
