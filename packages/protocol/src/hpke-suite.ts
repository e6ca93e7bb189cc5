import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { type AeadInterface, Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { AEAD_IDS } from './constants.js';

/** The AEADs protocol v1 accepts (RFC 9180 §7.3 ids 0x0001 and 0x0003). */
export type AeadName = 'aes-128-gcm' | 'chacha20-poly1305';

/** One HPKE suite of protocol v1 and the AEAD sizes the response derivation needs. */
export interface Suite {
  name: AeadName;
  aeadId: number;
  hpke: CipherSuite;
  aead: AeadInterface;
  /** Nk: AEAD key bytes. */
  keySize: number;
  /** Nn: AEAD nonce bytes. */
  nonceSize: number;
  /** max(Nn, Nk): response nonce and exported secret bytes (RFC 9458 §4.4). */
  responseNonceSize: number;
}

const cache = new Map<AeadName, Suite>();

/** The HPKE suite DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / `name`, built once. */
export function suiteFor(name: AeadName): Suite {
  let suite = cache.get(name);
  if (suite === undefined) {
    // @hpke/dhkem-x25519 (noble) rather than WebCrypto X25519, which older browsers lack.
    const aead = name === 'aes-128-gcm' ? new Aes128Gcm() : new Chacha20Poly1305();
    const hpke = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead });
    suite = {
      name,
      aeadId: AEAD_IDS[name],
      hpke,
      aead,
      keySize: aead.keySize,
      nonceSize: aead.nonceSize,
      responseNonceSize: Math.max(aead.keySize, aead.nonceSize),
    };
    cache.set(name, suite);
  }
  return suite;
}

/** The AEAD name of an RFC 9180 AEAD id, or undefined when protocol v1 does not accept it. */
export function aeadNameOf(aeadId: number): AeadName | undefined {
  if (aeadId === AEAD_IDS['aes-128-gcm']) return 'aes-128-gcm';
  if (aeadId === AEAD_IDS['chacha20-poly1305']) return 'chacha20-poly1305';
  return undefined;
}
