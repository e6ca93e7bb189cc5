import { base64urlDecode, base64urlEncode } from '@blindbox/bytes';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { nodeBuiltin } from '../node-builtin.js';

/**
 * X25519 (RFC 7748) through WebCrypto where the platform has it (Node ≥ 20, current Chromium,
 * Firefox, Safari): native code, no BigInt arithmetic on the hot path. Where WebCrypto lacks X25519
 * (older browsers) the pure-JS @noble/curves implementation takes over, found once per process.
 */
export interface X25519PrivateKey {
  /** WebCrypto key, a node:crypto KeyObject, or the raw scalar on the fallback path. Never serialised by this module. */
  readonly handle: CryptoKey | Uint8Array | NodeKey;
}

/** A node:crypto KeyObject, wrapped so it is never mistaken for the other kinds. */
interface NodeKey {
  readonly node: unknown;
}

/** The node:crypto members used (structural: "types": [] keeps Node's types out of src). */
interface NodeCryptoX25519 {
  generateKeyPairSync(type: 'x25519'): { privateKey: unknown };
  createPrivateKey(input: { key: Uint8Array; format: 'der'; type: 'pkcs8' }): unknown;
  createPublicKey(input: unknown): unknown;
  diffieHellman(input: { privateKey: unknown; publicKey: unknown }): Uint8Array;
}

/**
 * node:crypto's X25519 on Node (synchronous, and much cheaper than Node's WebCrypto per call),
 * reached through `process.getBuiltinModule` so that no import statement reaches a browser bundle.
 */
function detectNodeX25519(): NodeCryptoX25519 | undefined {
  return nodeBuiltin<NodeCryptoX25519>('node:crypto', (m) => typeof m.diffieHellman === 'function');
}

let nodeX25519: NodeCryptoX25519 | undefined = detectNodeX25519();

/** For tests: use node:crypto where available (true, the default) or WebCrypto (false). */
export function useNodeX25519(enabled: boolean): void {
  nodeX25519 = enabled ? detectNodeX25519() : undefined;
}

function nodePublic(node: NodeCryptoX25519, raw: Uint8Array): unknown {
  return node.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64urlEncode(raw) }, format: 'jwk' });
}

/** The X25519 base point, u = 9 (RFC 7748 §4.1). */
const BASE_POINT = new Uint8Array(32);
BASE_POINT[0] = 9;

/**
 * The raw public key of a node:crypto private key: X25519(sk, 9), which is what a public key is
 * (RFC 7748 §6.1). Not `createPublicKey(sk).export({ format: 'jwk' })`: on Node 20 that export holds
 * the key's mutex while it allocates, and when that allocation runs a GC which finalises the
 * generateKeyPairSync job that made the key, the job's destructor takes the same mutex and the
 * process deadlocks (seen in CI: an e2e worker hung, main thread in ExportJWKEdKey → GC →
 * ~KeyGenJob → pthread_mutex_lock; test/x25519-gc-deadlock.test.ts reproduces it).
 */
function nodeRawPublic(node: NodeCryptoX25519, privateKey: unknown): Uint8Array {
  return new Uint8Array(node.diffieHellman({ privateKey, publicKey: nodePublic(node, BASE_POINT) }));
}

/** A key pair: raw 32-byte public key and an opaque private key. */
export interface X25519KeyPair {
  publicKey: Uint8Array;
  privateKey: X25519PrivateKey;
}

const ALG = { name: 'X25519' } as const;
// RFC 8410 PKCS#8 prefix of an X25519 private key: the 32-byte scalar follows.
const PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

let native: Promise<boolean> | undefined;

/** Whether WebCrypto X25519 works here (probed once). */
export function hasNativeX25519(): Promise<boolean> {
  native ??= crypto.subtle.generateKey(ALG, false, ['deriveBits']).then(
    () => true,
    () => false,
  );
  return native;
}

let forced = false;
const forcedFallback = async (): Promise<boolean> => forced;

/** For tests: force the pure-JS path (true) or re-probe (undefined). */
export function forceX25519Fallback(fallback: boolean | undefined): void {
  forced = fallback === true;
  native = fallback === undefined ? undefined : Promise.resolve(!fallback);
}

/** A fresh key pair from the platform's CSPRNG. */
export async function generateX25519(): Promise<X25519KeyPair> {
  const node = nodeX25519;
  if (node !== undefined && !(await forcedFallback())) {
    const { privateKey } = node.generateKeyPairSync('x25519');
    return { publicKey: nodeRawPublic(node, privateKey), privateKey: { handle: { node: privateKey } } };
  }
  if (!(await hasNativeX25519())) return fromScalar(crypto.getRandomValues(new Uint8Array(32)));
  const pair = (await crypto.subtle.generateKey(ALG, false, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { publicKey, privateKey: { handle: pair.privateKey } };
}

/** The key pair of a 32-byte scalar (RFC 9180 DeriveKeyPair's `sk`); the scalar is copied. */
export async function x25519FromScalar(scalar: Uint8Array): Promise<X25519KeyPair> {
  if (scalar.length !== 32) throw new RangeError('an X25519 private key is 32 bytes');
  if (!(await hasNativeX25519())) return fromScalar(new Uint8Array(scalar));
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(scalar, 16);
  const node = nodeX25519;
  if (node !== undefined) {
    const privateKey = node.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    pkcs8.fill(0);
    return { publicKey: nodeRawPublic(node, privateKey), privateKey: { handle: { node: privateKey } } };
  }
  // extractable only to read the public key back (as JWK "x"); the handle is never exported after.
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, ALG, true, ['deriveBits']);
  pkcs8.fill(0);
  const jwk = await crypto.subtle.exportKey('jwk', key);
  return { publicKey: base64urlDecode(jwk.x ?? ''), privateKey: { handle: key } };
}

function fromScalar(scalar: Uint8Array): X25519KeyPair {
  return { publicKey: nobleX25519.getPublicKey(scalar), privateKey: { handle: scalar } };
}

const publicKeys = new Map<string, Promise<CryptoKey>>();

function importPublic(raw: Uint8Array): Promise<CryptoKey> {
  // A client seals many calls to one server key: import it once (a small bounded cache).
  const id = String.fromCharCode(...raw);
  let key = publicKeys.get(id);
  if (key === undefined) {
    if (publicKeys.size >= 64) publicKeys.clear();
    key = crypto.subtle.importKey('raw', new Uint8Array(raw), ALG, true, []);
    key.catch(() => publicKeys.delete(id));
    publicKeys.set(id, key);
  }
  return key;
}

/**
 * DH(sk, pk): the 32-byte X25519 shared secret. Throws RangeError when the result is all zeros
 * (a small-order peer key, RFC 7748 §6.1 / RFC 9180 §7.1.4), or on a malformed public key.
 */
export async function x25519SharedSecret(
  privateKey: X25519PrivateKey,
  peer: Uint8Array,
): Promise<Uint8Array> {
  if (peer.length !== 32) throw new RangeError('an X25519 public key is 32 bytes');
  let out: Uint8Array;
  const { handle } = privateKey;
  if (handle instanceof Uint8Array) {
    out = nobleX25519.getSharedSecret(handle, peer);
  } else if ('node' in handle) {
    const node = detectNodeX25519();
    if (node === undefined) throw new TypeError('a node:crypto key outside Node');
    out = new Uint8Array(node.diffieHellman({ privateKey: handle.node, publicKey: nodePublic(node, peer) }));
  } else {
    const pub = await importPublic(peer);
    out = new Uint8Array(
      await crypto.subtle.deriveBits({ name: 'X25519', public: pub }, handle as CryptoKey, 256),
    );
  }
  let acc = 0;
  for (const b of out) acc |= b;
  if (acc === 0) throw new RangeError('X25519 produced the all-zero shared secret (small-order public key)');
  return out;
}
