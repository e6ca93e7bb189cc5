import { concatBytes } from '@blindbox/bytes';
import { nodeBuiltin } from '../node-builtin.js';
import type { AeadBackend, AeadOperations } from './aead-key.js';

/** The few node:crypto members used, typed structurally ("types": [] keeps Node's types out of src). */
interface CipherLike {
  setAAD(aad: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
  getAuthTag(): Uint8Array;
}
interface DecipherLike {
  setAAD(aad: Uint8Array): unknown;
  setAuthTag(tag: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}
interface NodeCryptoLike {
  createCipheriv(
    algorithm: string,
    key: Uint8Array,
    iv: Uint8Array,
    options?: { authTagLength: number },
  ): CipherLike;
  createDecipheriv(
    algorithm: string,
    key: Uint8Array,
    iv: Uint8Array,
    options?: { authTagLength: number },
  ): DecipherLike;
}

function operations(crypto: NodeCryptoLike, algorithm: string, key: Uint8Array): AeadOperations {
  const options = { authTagLength: 16 };
  // node:crypto returns each update's output in a buffer of its own.
  const sealPieces = (nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array[] => {
    const c = crypto.createCipheriv(algorithm, key, nonce, options);
    c.setAAD(aad);
    const pieces: Uint8Array[] = [];
    const body = c.update(plaintext);
    if (body.length > 0) pieces.push(asOwnArray(body));
    const rest = c.final();
    if (rest.length > 0) pieces.push(asOwnArray(rest));
    pieces.push(asOwnArray(c.getAuthTag()));
    return pieces;
  };
  return {
    seal(nonce, plaintext, aad) {
      const pieces = sealPieces(nonce, plaintext, aad);
      return pieces.length === 1 ? (pieces[0] as Uint8Array) : concatBytes(...pieces);
    },
    sealPieces,
    open(nonce, ciphertext, aad) {
      if (ciphertext.length < 16) throw new RangeError('ciphertext shorter than its tag');
      const d = crypto.createDecipheriv(algorithm, key, nonce, options);
      d.setAAD(aad);
      d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      const body = d.update(ciphertext.subarray(0, ciphertext.length - 16));
      const rest = d.final(); // throws when the tag does not verify
      // Copied, although the update's output is memory of its own: returning a view of it (tried for
      // issue 8) opened 50 MiB in 57 ms instead of 50 (median of 10 fresh processes), the outputs
      // then piling up until a GC and costing ~9,000 page faults. A plain Uint8Array, not a Buffer
      // (whose slice() shares memory where a Uint8Array's copies).
      if (rest.length === 0) return new Uint8Array(body);
      const out = new Uint8Array(body.length + rest.length);
      out.set(body);
      out.set(rest, body.length);
      return out;
    },
    openPieces(nonce, pieces, tag, aad) {
      const d = crypto.createDecipheriv(algorithm, key, nonce, options);
      d.setAAD(aad);
      d.setAuthTag(tag);
      // One output per piece (a socket read, ≤ 64 KiB: memory the allocator reuses, where 256 KiB
      // outputs were fresh pages each), handed on as it is, not copied.
      const out: Uint8Array[] = [];
      for (const piece of pieces) {
        const plain = d.update(piece);
        if (plain.length > 0) out.push(asOwnArray(plain));
      }
      const rest = d.final(); // throws when the tag does not verify: nothing is returned before
      if (rest.length > 0) out.push(asOwnArray(rest));
      return out;
    },
  };
}

/**
 * A plain Uint8Array over node:crypto's output: a view when the output owns its whole ArrayBuffer
 * (it does, measured on Node 20), a copy otherwise (a pooled Buffer would expose its neighbours
 * through `.buffer`). Not a Buffer, whose slice() shares memory where a Uint8Array's copies.
 */
function asOwnArray(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? new Uint8Array(bytes.buffer, 0, bytes.byteLength)
    : new Uint8Array(bytes);
}

/**
 * node:crypto's AEADs where the platform is Node (found through `process.getBuiltinModule`, Node
 * ≥ 20.16, so no import statement reaches a browser bundle), else undefined. Node's WebCrypto
 * AES-GCM costs 7-20x more per small message than node:crypto (bench/primitives.mjs).
 */
export function detectNodeAeadBackend(): AeadBackend | undefined {
  const c = nodeBuiltin<NodeCryptoLike>('node:crypto', (m) => typeof m.createCipheriv === 'function');
  if (c === undefined) return undefined;
  return {
    aes128Gcm: (key) => operations(c, 'aes-128-gcm', key),
    chacha20Poly1305: (key) => operations(c, 'chacha20-poly1305', key),
  };
}
