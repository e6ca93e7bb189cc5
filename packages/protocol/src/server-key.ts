import { base64urlEncode, hexEncode } from '@blindbox/bytes';
import { KEY_ID_LENGTH, PUBLIC_KEY_LENGTH } from './constants.js';
import { deriveX25519KeyPair } from './hpke/hpke-base.js';
import { sha256 } from './hpke/sha2.js';
import { generateX25519, type X25519KeyPair } from './hpke/x25519.js';

/**
 * The enclave's HPKE key pair. Only `keyId` and `publicKey` are visible: the private key lives in a
 * module-private WeakMap, so `JSON.stringify`, spreading, structured logging or `util.inspect` of a
 * ServerKey can never reveal it.
 */
export interface ServerKey {
  /** 8 bytes: the first 8 bytes of SHA-256(publicKey). Travels in clear in every call header. */
  readonly keyId: Uint8Array;
  /** 32 bytes: the raw X25519 public key (RFC 7748). */
  readonly publicKey: Uint8Array;
}

const keyPairs = new WeakMap<ServerKey, X25519KeyPair>();

class ServerKeyHandle implements ServerKey {
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;

  constructor(publicKey: Uint8Array) {
    this.publicKey = publicKey;
    this.keyId = computeKeyId(publicKey);
  }

  /** Public parts only, as the envelope spells them. */
  toJSON(): { keyId: string; publicKey: string } {
    return { keyId: hexEncode(this.keyId), publicKey: base64urlEncode(this.publicKey) };
  }
}

/** The key id of an X25519 public key: the first 8 bytes of its SHA-256. */
export function computeKeyId(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new RangeError(`publicKey must be ${PUBLIC_KEY_LENGTH} bytes, got ${publicKey.length}`);
  }
  return sha256(publicKey).slice(0, KEY_ID_LENGTH);
}

function wrap(pair: X25519KeyPair): ServerKey {
  const key = Object.freeze(new ServerKeyHandle(pair.publicKey));
  keyPairs.set(key, pair);
  return key;
}

/** A fresh X25519 key pair for this enclave's lifetime (never leaves the process). */
export async function generateServerKey(): Promise<ServerKey> {
  return wrap(await generateX25519());
}

/**
 * RFC 9180 §7.1.3 DeriveKeyPair(ikm). Deterministic: for test vectors only, never for a real enclave
 * key (whoever knows `ikm` can open every call).
 */
export async function deriveServerKey(ikm: Uint8Array): Promise<ServerKey> {
  return wrap(await deriveX25519KeyPair(ikm));
}

/** The key pair of a ServerKey made by this module; undefined for any other object. Internal. */
export function keyPairOf(key: ServerKey): X25519KeyPair | undefined {
  return keyPairs.get(key);
}
