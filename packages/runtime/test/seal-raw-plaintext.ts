// Seals an arbitrary plaintext as a v1 call body (docs/protocol.md §5), written from RFC 9180 with
// node:crypto alone, so that tests can send plaintexts the protocol's own encoder would never
// produce (30 million empty maps) without building them as JavaScript values first.
import {
  createCipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
} from 'node:crypto';
import {
  AEAD_IDS,
  KDF_ID,
  KEM_ID,
  PROTOCOL_VERSION,
  REQUEST_INFO_LABEL,
  type ServerKey,
} from '@blindbox/protocol';

const utf8 = (s: string) => new TextEncoder().encode(s);
const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts);

function extract(salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt.length > 0 ? salt : new Uint8Array(32))
    .update(ikm)
    .digest();
}
function expand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let previous: Buffer = Buffer.alloc(0);
  for (let i = 1; out.length * 32 < length; i++) {
    previous = createHmac('sha256', prk)
      .update(cat(previous, info, new Uint8Array([i])))
      .digest();
    out.push(previous);
  }
  return Buffer.concat(out).subarray(0, length);
}
const labeledExtract = (suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array) =>
  extract(salt, cat(utf8('HPKE-v1'), suite, utf8(label), ikm));
const labeledExpand = (suite: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, length: number) =>
  expand(prk, cat(u16(length), utf8('HPKE-v1'), suite, utf8(label), info), length);

/** `header ‖ enc ‖ AES-128-GCM ciphertext` of `plaintext`, sealed to `key` (RFC 9180 base mode). */
export function sealRawPlaintext(key: ServerKey, plaintext: Uint8Array): Uint8Array {
  const aeadId = AEAD_IDS['aes-128-gcm'];
  const header = cat(new Uint8Array([PROTOCOL_VERSION]), key.keyId, u16(KEM_ID), u16(KDF_ID), u16(aeadId));
  const info = cat(utf8(REQUEST_INFO_LABEL), new Uint8Array([0]), header);
  const ephemeral = generateKeyPairSync('x25519');
  const enc = ephemeral.publicKey.export({ format: 'jwk' }).x as string;
  const encBytes = Buffer.from(enc, 'base64url');
  const recipient = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(key.publicKey).toString('base64url') },
    format: 'jwk',
  });
  const dh = diffieHellman({
    privateKey: createPrivateKey(ephemeral.privateKey.export({ format: 'pem', type: 'pkcs8' })),
    publicKey: recipient,
  });
  const kemSuite = cat(utf8('KEM'), u16(KEM_ID));
  const eaePrk = labeledExtract(kemSuite, new Uint8Array(0), 'eae_prk', dh);
  const shared = labeledExpand(kemSuite, eaePrk, 'shared_secret', cat(encBytes, key.publicKey), 32);
  const suite = cat(utf8('HPKE'), u16(KEM_ID), u16(KDF_ID), u16(aeadId));
  const pskIdHash = labeledExtract(suite, new Uint8Array(0), 'psk_id_hash', new Uint8Array(0));
  const infoHash = labeledExtract(suite, new Uint8Array(0), 'info_hash', info);
  const context = cat(new Uint8Array([0]), pskIdHash, infoHash);
  const secret = labeledExtract(suite, shared, 'secret', new Uint8Array(0));
  const aeadKey = labeledExpand(suite, secret, 'key', context, 16);
  const nonce = labeledExpand(suite, secret, 'base_nonce', context, 12);
  const cipher = createCipheriv('aes-128-gcm', aeadKey, nonce);
  const ct = cat(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
  return new Uint8Array(cat(header, encBytes, ct));
}
