import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hexDecode, hexEncode } from '../encoding.js';
import { deriveX25519KeyPair, setupBaseRecipient, setupBaseSender } from './hpke-base.js';
import {
  forceX25519Fallback,
  generateX25519,
  hasNativeX25519,
  useNodeX25519,
  x25519SharedSecret,
} from './x25519.js';

// RFC 9180 Appendix A.1.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base).
const A1 = {
  ikmE: '7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234',
  pkEm: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  ikmR: '6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037',
  pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
  info: '4f6465206f6e2061204772656369616e2055726e',
  baseNonce: '56d890e5accaaf011cff4b7d',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  aad0: '436f756e742d30',
  ct0: 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a',
  exporterContext: '',
  exported32: '3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee',
};

afterEach(() => {
  forceX25519Fallback(undefined);
  useNodeX25519(true);
});

describe.each([
  ['node:crypto', false, true],
  ['WebCrypto', false, false],
  ['pure-JS fallback', true, false],
])('X25519 and HPKE base mode on %s', (_name, fallback, node) => {
  beforeEach(() => useNodeX25519(node));

  it('reproduces RFC 9180 Appendix A.1.1 (keys, nonce, first ciphertext, export)', async () => {
    forceX25519Fallback(fallback);
    expect(await hasNativeX25519()).toBe(!fallback);
    const recipient = await deriveX25519KeyPair(hexDecode(A1.ikmR));
    expect(hexEncode(recipient.publicKey)).toBe(A1.pkRm);
    const { enc, context } = await setupBaseSender(
      recipient.publicKey,
      hexDecode(A1.info),
      'aes-128-gcm',
      hexDecode(A1.ikmE),
    );
    expect(hexEncode(enc)).toBe(A1.pkEm);
    expect(hexEncode(context.baseNonce)).toBe(A1.baseNonce);
    const ct = await context.aead.seal(context.baseNonce, hexDecode(A1.pt), hexDecode(A1.aad0));
    expect(hexEncode(ct)).toBe(A1.ct0);
    expect(hexEncode(context.export(new Uint8Array(0), 32))).toBe(A1.exported32);
    const back = await setupBaseRecipient(enc, recipient, hexDecode(A1.info), 'aes-128-gcm');
    expect(hexEncode(await back.aead.open(back.baseNonce, ct, hexDecode(A1.aad0)))).toBe(A1.pt);
  });

  it('agrees with the other implementation on fresh keys', async () => {
    forceX25519Fallback(fallback);
    const a = await generateX25519();
    forceX25519Fallback(!fallback);
    const b = await generateX25519();
    const ab = await x25519SharedSecret(b.privateKey, a.publicKey);
    forceX25519Fallback(fallback);
    expect(await x25519SharedSecret(a.privateKey, b.publicKey)).toEqual(ab);
  });

  it('refuses a small-order public key (all-zero shared secret)', async () => {
    forceX25519Fallback(fallback);
    const a = await generateX25519();
    await expect(x25519SharedSecret(a.privateKey, new Uint8Array(32))).rejects.toThrow();
  });
});
