import { concatBytes } from '@blindbox/bytes';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { detectNodeAeadBackend } from './node-aead-backend.js';

/** The AEADs of the protocol (RFC 9180 §7.3 ids 0x0001 and 0x0003). */
export type AeadName = 'aes-128-gcm' | 'chacha20-poly1305';

/** Nk, Nn, Nt of an AEAD (RFC 9180 §7.3). */
export const AEAD_SIZES: Readonly<Record<AeadName, { keySize: number; nonceSize: number; tagSize: 16 }>> = {
  'aes-128-gcm': { keySize: 16, nonceSize: 12, tagSize: 16 },
  'chacha20-poly1305': { keySize: 32, nonceSize: 12, tagSize: 16 },
};

/**
 * AES-128-GCM goes through WebCrypto at every size, its key imported once per {@link AeadKey} (once
 * per session direction): measured by packages/protocol/bench/primitives.mjs, WebCrypto with an
 * imported key beats @noble/ciphers even at 64 bytes (noble sets up its AES key schedule and GHASH
 * tables on every call), and by 10-20x from 1 KiB. ChaCha20-Poly1305, absent from WebCrypto, uses
 * @noble/ciphers.
 */

/** An AEAD key ready to seal and open; thrown errors never carry key material. */
export interface AeadKey {
  readonly name: AeadName;
  /** Ciphertext ‖ 16-byte tag. */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /**
   * Ciphertext ‖ 16-byte tag as pieces (joined, they are what {@link seal} gives): each as the
   * platform produced it, not copied into one buffer. A chunk frame is written as its header and
   * these pieces (issue 8: copying each 256 KiB chunk into a frame cost the sealer of a 50 MiB body
   * a copy of it, in fresh memory each time).
   */
  sealPieces(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array[]>;
  /** The plaintext; throws (any Error) when the tag does not verify. */
  open(nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /**
   * As {@link open}, for a ciphertext in pieces (a chunk frame as the socket delivered it) and its
   * tag apart: the plaintext in pieces, none returned before the tag verified. Where the platform
   * decrypts piece by piece, nothing is joined: joining each 256 KiB frame, then copying its
   * plaintext out, cost the opener of a 50 MiB body two copies of it (issue 8).
   */
  openPieces(
    nonce: Uint8Array,
    pieces: readonly Uint8Array[],
    tag: Uint8Array,
    aad: Uint8Array,
  ): Promise<Uint8Array[]>;
}

/**
 * A faster AEAD implementation a platform supplies (on Node: `node:crypto`, 7-20x faster than
 * Node's WebCrypto for small messages, and synchronous), used by default where detected; another
 * one can be installed with {@link setAeadBackend}. Each function gets the raw key
 * and returns sealers/openers; `open` must throw when the tag does not verify.
 */
export interface AeadBackend {
  aes128Gcm?(key: Uint8Array): AeadOperations;
  chacha20Poly1305?(key: Uint8Array): AeadOperations;
}

/**
 * Seal and open with one key: ciphertext ‖ 16-byte tag. The optional members are
 * {@link AeadKey.sealPieces} and {@link AeadKey.openPieces}, synchronous; without them the
 * whole-buffer members are used.
 */
export interface AeadOperations {
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array | Promise<Uint8Array>;
  sealPieces?(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array[];
  open(nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array | Promise<Uint8Array>;
  openPieces?(
    nonce: Uint8Array,
    pieces: readonly Uint8Array[],
    tag: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array[];
}

/** Ciphertext pieces ‖ tag in one new buffer: for an opener that takes a whole ciphertext only. */
const joinSealed = (pieces: readonly Uint8Array[], tag: Uint8Array): Uint8Array =>
  concatBytes(...pieces, tag);

let backend: AeadBackend | undefined = detectNodeAeadBackend();

/**
 * Installs a platform AEAD for every key created afterwards; `undefined` restores the default
 * (node:crypto on Node, found by {@link detectNodeAeadBackend}), `null` forces WebCrypto/noble.
 */
export function setAeadBackend(next: AeadBackend | null | undefined): void {
  backend = next === undefined ? detectNodeAeadBackend() : (next ?? undefined);
}

/**
 * Messages up to this size go to a synchronous backend; larger ones to the asynchronous portable
 * path (WebCrypto runs off the event loop): a 28 MiB one-shot body decrypted synchronously would
 * hold the loop for tens of milliseconds. Session chunks (≤ 1 MiB) always fit.
 */
export const SYNC_AEAD_MAX_BYTES = (1 << 20) + 16;

function withBackend(name: AeadName, key: Uint8Array, portable: AeadKey): AeadKey {
  const make = name === 'aes-128-gcm' ? backend?.aes128Gcm : backend?.chacha20Poly1305;
  if (make === undefined) return portable;
  const ops = make(key);
  const sealsPieces = ops.sealPieces?.bind(ops);
  const opensPieces = ops.openPieces?.bind(ops);
  const open = async (nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array) =>
    ciphertext.length <= SYNC_AEAD_MAX_BYTES
      ? ops.open(nonce, ciphertext, aad)
      : portable.open(nonce, ciphertext, aad);
  return {
    name,
    seal: async (nonce, plaintext, aad) =>
      plaintext.length <= SYNC_AEAD_MAX_BYTES
        ? ops.seal(nonce, plaintext, aad)
        : portable.seal(nonce, plaintext, aad),
    sealPieces: async (nonce, plaintext, aad) => {
      if (plaintext.length > SYNC_AEAD_MAX_BYTES) return portable.sealPieces(nonce, plaintext, aad);
      if (sealsPieces !== undefined) return sealsPieces(nonce, plaintext, aad);
      return [await ops.seal(nonce, plaintext, aad)];
    },
    open,
    openPieces: async (nonce, pieces, tag, aad) => {
      if (opensPieces !== undefined && byteLength(pieces) <= SYNC_AEAD_MAX_BYTES) {
        return opensPieces(nonce, pieces, tag, aad);
      }
      return [await open(nonce, joinSealed(pieces, tag), aad)];
    },
  };
}

function byteLength(pieces: readonly Uint8Array[]): number {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  return length;
}

function buffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** An {@link AeadKey} over raw key bytes (which it copies). */
export function createAeadKey(name: AeadName, keyBytes: Uint8Array): AeadKey {
  const { keySize } = AEAD_SIZES[name];
  if (keyBytes.length !== keySize) throw new RangeError(`${name} key must be ${keySize} bytes`);
  const key = new Uint8Array(keyBytes);
  return withBackend(name, key, portableAeadKey(name, key));
}

/** WebCrypto AES-GCM (key imported once) or noble ChaCha20-Poly1305. */
function portableAeadKey(name: AeadName, key: Uint8Array): AeadKey {
  if (name === 'chacha20-poly1305') {
    // WebCrypto has no ChaCha20-Poly1305: noble at every size.
    return {
      name,
      seal: async (nonce, plaintext, aad) => chacha20poly1305(key, nonce, aad).encrypt(plaintext),
      sealPieces: async (nonce, plaintext, aad) => [chacha20poly1305(key, nonce, aad).encrypt(plaintext)],
      open: async (nonce, ciphertext, aad) => chacha20poly1305(key, nonce, aad).decrypt(ciphertext),
      openPieces: async (nonce, pieces, tag, aad) => [
        chacha20poly1305(key, nonce, aad).decrypt(joinSealed(pieces, tag)),
      ],
    };
  }
  let imported: Promise<CryptoKey> | undefined;
  const native = (): Promise<CryptoKey> => {
    imported ??= crypto.subtle.importKey('raw', buffer(key), 'AES-GCM', false, ['encrypt', 'decrypt']);
    return imported;
  };
  const seal = async (nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> => {
    const params = { name: 'AES-GCM', iv: buffer(nonce), additionalData: buffer(aad), tagLength: 128 };
    return new Uint8Array(await crypto.subtle.encrypt(params, await native(), buffer(plaintext)));
  };
  const open = async (nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> => {
    const params = { name: 'AES-GCM', iv: buffer(nonce), additionalData: buffer(aad), tagLength: 128 };
    return new Uint8Array(await crypto.subtle.decrypt(params, await native(), buffer(ciphertext)));
  };
  return {
    name,
    seal,
    sealPieces: async (nonce, plaintext, aad) => [await seal(nonce, plaintext, aad)],
    open,
    // WebCrypto decrypts a whole ciphertext only.
    openPieces: async (nonce, pieces, tag, aad) => [await open(nonce, joinSealed(pieces, tag), aad)],
  };
}
