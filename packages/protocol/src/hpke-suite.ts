import { AEAD_IDS } from './constants.js';
import { AEAD_SIZES, type AeadName } from './hpke/aead-key.js';

export type { AeadName } from './hpke/aead-key.js';

/** The sizes one AEAD of protocol v1 needs for the response derivation (RFC 9458 §4.4). */
export interface Suite {
  name: AeadName;
  aeadId: number;
  /** Nk: AEAD key bytes. */
  keySize: number;
  /** Nn: AEAD nonce bytes. */
  nonceSize: number;
  /** max(Nn, Nk): response nonce and exported secret bytes (RFC 9458 §4.4). */
  responseNonceSize: number;
}

/** The suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / `name`. */
export function suiteFor(name: AeadName): Suite {
  const { keySize, nonceSize } = AEAD_SIZES[name];
  return {
    name,
    aeadId: AEAD_IDS[name],
    keySize,
    nonceSize,
    responseNonceSize: Math.max(keySize, nonceSize),
  };
}

/** The AEAD name of an RFC 9180 AEAD id, or undefined when protocol v1 does not accept it. */
export function aeadNameOf(aeadId: number): AeadName | undefined {
  if (aeadId === AEAD_IDS['aes-128-gcm']) return 'aes-128-gcm';
  if (aeadId === AEAD_IDS['chacha20-poly1305']) return 'chacha20-poly1305';
  return undefined;
}
