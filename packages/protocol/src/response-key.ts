import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, exactBuffer, utf8 } from './bytes.js';
import { RESPONSE_EXPORT_LABEL } from './constants.js';
import type { Suite } from './hpke-suite.js';

const EXPORT_LABEL = exactBuffer(utf8(RESPONSE_EXPORT_LABEL));
const KEY_LABEL = utf8('key');
const NONCE_LABEL = utf8('nonce');

/** What both sides need from the HPKE context to seal or open responses. */
export interface Exporter {
  export(exporterContext: ArrayBuffer, length: number): Promise<ArrayBuffer>;
}

/**
 * RFC 9458 §4.4 response encapsulation keys, with this protocol's export label:
 *   secret = context.Export("blindbox/call/v1 response", max(Nn, Nk))
 *   salt   = enc ‖ response_nonce
 *   prk    = HKDF-Extract(salt, secret)          (HKDF-SHA256, RFC 5869)
 *   key    = HKDF-Expand(prk, "key", Nk)
 *   nonce  = HKDF-Expand(prk, "nonce", Nn)
 */
export async function deriveResponseKey(
  suite: Suite,
  context: Exporter,
  enc: Uint8Array,
  responseNonce: Uint8Array,
): Promise<{ key: Uint8Array; nonce: Uint8Array }> {
  const secret = new Uint8Array(await context.export(EXPORT_LABEL, suite.responseNonceSize));
  const prk = extract(sha256, secret, concatBytes(enc, responseNonce));
  return {
    key: expand(sha256, prk, KEY_LABEL, suite.keySize),
    nonce: expand(sha256, prk, NONCE_LABEL, suite.nonceSize),
  };
}
