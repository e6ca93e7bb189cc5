import { concatBytes, utf8Encode } from '@blindbox/bytes';
import { RESPONSE_EXPORT_LABEL } from './constants.js';
import type { HpkeContext } from './hpke/hpke-base.js';
import { hkdfExpand, hkdfExtract } from './hpke/sha2.js';
import type { Suite } from './hpke-suite.js';

const EXPORT_LABEL = utf8Encode(RESPONSE_EXPORT_LABEL);
const KEY_LABEL = utf8Encode('key');
const NONCE_LABEL = utf8Encode('nonce');

/**
 * RFC 9458 §4.4 response encapsulation keys, with this protocol's export label:
 *   secret = context.Export("blindbox/call/v1 response", max(Nn, Nk))
 *   salt   = enc ‖ response_nonce
 *   prk    = HKDF-Extract(salt, secret)          (HKDF-SHA256, RFC 5869)
 *   key    = HKDF-Expand(prk, "key", Nk)
 *   nonce  = HKDF-Expand(prk, "nonce", Nn)
 */
export function deriveResponseKey(
  suite: Suite,
  context: Pick<HpkeContext, 'export'>,
  enc: Uint8Array,
  responseNonce: Uint8Array,
): { key: Uint8Array; nonce: Uint8Array } {
  const secret = context.export(EXPORT_LABEL, suite.responseNonceSize);
  const prk = hkdfExtract(concatBytes(enc, responseNonce), secret);
  return {
    key: hkdfExpand(prk, KEY_LABEL, suite.keySize),
    nonce: hkdfExpand(prk, NONCE_LABEL, suite.nonceSize),
  };
}
