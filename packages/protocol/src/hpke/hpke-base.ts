import { concatBytes, utf8Encode } from '@blindbox/bytes';
import { AEAD_IDS, KDF_ID, KEM_ID } from '../constants.js';
import { AEAD_SIZES, type AeadKey, type AeadName, createAeadKey } from './aead-key.js';
import { hkdfExpand, hkdfExtract } from './sha2.js';
import {
  generateX25519,
  type X25519KeyPair,
  type X25519PrivateKey,
  x25519FromScalar,
  x25519SharedSecret,
} from './x25519.js';

/*
 * HPKE base mode (RFC 9180 §5.1.1) for exactly one suite family: DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, AES-128-GCM or ChaCha20-Poly1305. The KDF runs synchronously (./sha2.ts): only
 * X25519 goes through WebCrypto, so a sender costs four asynchronous calls (generate, export,
 * import peer (cached), deriveBits) and a recipient two, instead of the dozens a generic HPKE
 * library makes. Checked against RFC 9180 Appendix A.1/A.2 and against @hpke/core in the tests.
 */

const HPKE_V1 = utf8Encode('HPKE-v1');
const u16 = (n: number): Uint8Array => new Uint8Array([n >> 8, n & 0xff]);
const KEM_SUITE = concatBytes(utf8Encode('KEM'), u16(KEM_ID));
const EMPTY = new Uint8Array(0);

function labeledExtract(suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return hkdfExtract(salt, concatBytes(HPKE_V1, suite, utf8Encode(label), ikm));
}

function labeledExpand(
  suite: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  length: number,
): Uint8Array {
  return hkdfExpand(prk, concatBytes(u16(length), HPKE_V1, suite, utf8Encode(label), info), length);
}

/** RFC 9180 §7.1.3 DeriveKeyPair for X25519. */
export function deriveX25519KeyPair(ikm: Uint8Array): Promise<X25519KeyPair> {
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'dkp_prk', ikm);
  const sk = labeledExpand(KEM_SUITE, prk, 'sk', EMPTY, 32);
  return x25519FromScalar(sk).finally(() => sk.fill(0));
}

function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', dh);
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', kemContext, 32);
}

/** An HPKE context (RFC 9180 §5.2, §5.3): one-shot here, so Seal/Open use sequence number 0. */
export interface HpkeContext {
  readonly aead: AeadKey;
  /** The nonce of sequence number 0 (= base_nonce). */
  readonly baseNonce: Uint8Array;
  /** RFC 9180 §5.3 Export(exporter_context, L). Synchronous. */
  export(exporterContext: Uint8Array, length: number): Uint8Array;
}

/** Per AEAD: the suite id and psk_id_hash, the same for every base-mode context (no PSK). */
const suiteConstants = new Map<AeadName, { suite: Uint8Array; pskIdHash: Uint8Array }>();

function constantsOf(aeadName: AeadName): { suite: Uint8Array; pskIdHash: Uint8Array } {
  let c = suiteConstants.get(aeadName);
  if (c === undefined) {
    const suite = concatBytes(utf8Encode('HPKE'), u16(KEM_ID), u16(KDF_ID), u16(AEAD_IDS[aeadName]));
    c = { suite, pskIdHash: labeledExtract(suite, EMPTY, 'psk_id_hash', EMPTY) };
    suiteConstants.set(aeadName, c);
  }
  return c;
}

function keySchedule(aeadName: AeadName, sharedSecret: Uint8Array, info: Uint8Array): HpkeContext {
  const { suite, pskIdHash } = constantsOf(aeadName);
  const { keySize, nonceSize } = AEAD_SIZES[aeadName];
  const infoHash = labeledExtract(suite, EMPTY, 'info_hash', info);
  const context = concatBytes(new Uint8Array([0]), pskIdHash, infoHash); // mode_base = 0x00
  const secret = labeledExtract(suite, sharedSecret, 'secret', EMPTY);
  const key = labeledExpand(suite, secret, 'key', context, keySize);
  const baseNonce = labeledExpand(suite, secret, 'base_nonce', context, nonceSize);
  const exporterSecret = labeledExpand(suite, secret, 'exp', context, 32);
  const aead = createAeadKey(aeadName, key);
  key.fill(0);
  return {
    aead,
    baseNonce,
    export: (exporterContext, length) => labeledExpand(suite, exporterSecret, 'sec', exporterContext, length),
  };
}

/**
 * SetupBaseS(pkR, info): a fresh ephemeral key (or, for test vectors only, DeriveKeyPair(ekm)).
 * Throws RangeError on a malformed or small-order recipient key.
 */
export async function setupBaseSender(
  recipientPublicKey: Uint8Array,
  info: Uint8Array,
  aead: AeadName,
  ekm?: Uint8Array,
): Promise<{ enc: Uint8Array; context: HpkeContext }> {
  const ephemeral = ekm === undefined ? await generateX25519() : await deriveX25519KeyPair(ekm);
  const dh = await x25519SharedSecret(ephemeral.privateKey, recipientPublicKey);
  const enc = ephemeral.publicKey;
  const shared = extractAndExpand(dh, concatBytes(enc, recipientPublicKey));
  return { enc, context: keySchedule(aead, shared, info) };
}

/** SetupBaseR(enc, skR, info). Throws RangeError on a malformed or small-order `enc`. */
export async function setupBaseRecipient(
  enc: Uint8Array,
  recipient: { publicKey: Uint8Array; privateKey: X25519PrivateKey },
  info: Uint8Array,
  aead: AeadName,
): Promise<HpkeContext> {
  const dh = await x25519SharedSecret(recipient.privateKey, enc);
  const shared = extractAndExpand(dh, concatBytes(enc, recipient.publicKey));
  return keySchedule(aead, shared, info);
}
