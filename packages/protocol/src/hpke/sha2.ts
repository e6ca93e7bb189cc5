import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { nodeBuiltin } from '../node-builtin.js';

/*
 * SHA-256, SHA-512 and HKDF-SHA256 (RFC 5869) for the key schedules and bindings of every call.
 * In Node these run in node:crypto (OpenSSL): @noble/hashes' pure-JS HMAC cost ~9 µs per HKDF step
 * against ~3.5 µs, and a first call makes ~17 steps on each side. Elsewhere (browsers) @noble/hashes
 * does the work. node:crypto is found at run time through `process.getBuiltinModule`, so that no
 * import statement reaches a browser bundle; everything stays synchronous either way.
 */

/** The node:crypto members used, typed structurally ("types": [] keeps Node's types out of src). */
interface HashLike {
  update(data: Uint8Array): HashLike;
  digest(): Uint8Array;
}
interface NodeCryptoHashes {
  createHash(algorithm: string): HashLike;
  createHmac(algorithm: string, key: Uint8Array): HashLike;
}

function detectNodeHashes(): NodeCryptoHashes | undefined {
  return nodeBuiltin<NodeCryptoHashes>(
    'node:crypto',
    (m) => typeof m.createHmac === 'function' && typeof m.createHash === 'function',
  );
}

let node: NodeCryptoHashes | undefined = detectNodeHashes();

/** For tests: use node:crypto where available (true, the default) or @noble/hashes (false). */
export function useNodeHashes(enabled: boolean): void {
  node = enabled ? detectNodeHashes() : undefined;
}

/** A plain Uint8Array of node:crypto's Buffer (whose slice() would share memory). */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export function sha256(data: Uint8Array): Uint8Array {
  return node === undefined ? nobleSha256(data) : plain(node.createHash('sha256').update(data).digest());
}

export function sha512(data: Uint8Array): Uint8Array {
  return node === undefined ? nobleSha512(data) : plain(node.createHash('sha512').update(data).digest());
}

function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  if (node === undefined) {
    const h = hmac.create(nobleSha256, key);
    for (const p of parts) h.update(p);
    return h.digest();
  }
  const h = node.createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return plain(h.digest());
}

/** HKDF-Extract(salt, ikm) with SHA-256 (RFC 5869 §2.2); an empty salt is 32 zero bytes, as HMAC pads it. */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt, ikm);
}

/** HKDF-Expand(prk, info, length) with SHA-256 (RFC 5869 §2.3); `length` ≤ 255 × 32. */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) {
    throw new RangeError(`HKDF-SHA256 cannot expand to ${length} bytes`);
  }
  const out = new Uint8Array(length);
  let previous = new Uint8Array(0);
  const counter = new Uint8Array(1);
  for (let offset = 0, i = 1; offset < length; offset += 32, i++) {
    counter[0] = i;
    previous = hmacSha256(prk, previous, info, counter) as Uint8Array<ArrayBuffer>;
    out.set(previous.subarray(0, Math.min(32, length - offset)), offset);
  }
  previous.fill(0);
  return out;
}
