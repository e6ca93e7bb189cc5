import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from './cbor.js';
import { openRequest } from './open-request.js';
import { ProtocolError } from './protocol-error.js';
import { encodeRequestHeader, requestInfo } from './request-header.js';
import { sealRequest } from './seal-request.js';
import { deriveServerKey, generateServerKey } from './server-key.js';

const key = await deriveServerKey(new Uint8Array(32).fill(3));
const keys = (keyId: Uint8Array) => (keyId.every((b, i) => b === key.keyId[i]) ? key : undefined);

async function outcome(body: Uint8Array): Promise<string> {
  try {
    await openRequest(keys, body);
    return 'opened';
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
}

/** HPKE-seals any plaintext exactly as a client would, so the server's checks after opening are reached. */
async function sealRaw(plaintext: Uint8Array): Promise<Uint8Array> {
  const header = encodeRequestHeader(key.keyId, 1);
  const suite = new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: new Aes128Gcm(),
  });
  const sender = await suite.createSenderContext({
    recipientPublicKey: await suite.kem.deserializePublicKey(new Uint8Array(key.publicKey).buffer),
    info: requestInfo(header),
  });
  const ct = new Uint8Array(await sender.seal(new Uint8Array(plaintext).buffer));
  return new Uint8Array([...header, ...new Uint8Array(sender.enc), ...ct]);
}

const allowed = [
  'PROTOCOL_MALFORMED_REQUEST',
  'PROTOCOL_UNSUPPORTED_SUITE',
  'PROTOCOL_UNKNOWN_KEY',
  'PROTOCOL_DECRYPT_FAILED',
];

describe('openRequest on hostile input', () => {
  it('fails with a ProtocolError on random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (body) => {
        expect(allowed).toContain(await outcome(body));
      }),
      { numRuns: 500 },
    );
  });

  it('fails with PROTOCOL_DECRYPT_FAILED on random bytes behind a valid header', async () => {
    // Reaches the KEM and the AEAD: random enc values include low-order points and non-canonical keys.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 3),
        fc.uint8Array({ minLength: 48, maxLength: 200 }),
        async (aead, rest) => {
          const body = new Uint8Array([...encodeRequestHeader(key.keyId, aead), ...rest]);
          expect(await outcome(body)).toBe('PROTOCOL_DECRYPT_FAILED');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fails with PROTOCOL_DECRYPT_FAILED for the all-zero (low-order) enc', async () => {
    const body = new Uint8Array([...encodeRequestHeader(key.keyId, 1), ...new Uint8Array(64)]);
    expect(await outcome(body)).toBe('PROTOCOL_DECRYPT_FAILED');
  });

  it.each<[string, Uint8Array]>([
    ['not CBOR', new Uint8Array([0xff])],
    ['CBOR with trailing bytes', new Uint8Array([0xa0, 0x00])],
    ['a CBOR array', encodeCbor([1])],
    ['no endpoint', encodeCbor({ requestId: 'r', sentAt: 0 })],
    ['an empty endpoint', encodeCbor({ endpoint: '', requestId: 'r', sentAt: 0 })],
    ['a 129-character endpoint', encodeCbor({ endpoint: 'e'.repeat(129), requestId: 'r', sentAt: 0 })],
    ['a byte-string endpoint', encodeCbor({ endpoint: new Uint8Array(1), requestId: 'r', sentAt: 0 })],
    ['a 65-character requestId', encodeCbor({ endpoint: 'e', requestId: 'r'.repeat(65), sentAt: 0 })],
    ['no sentAt', encodeCbor({ endpoint: 'e', requestId: 'r' })],
    ['an infinite sentAt', encodeCbor({ endpoint: 'e', requestId: 'r', sentAt: Number.POSITIVE_INFINITY })],
    ['a text sentAt', encodeCbor({ endpoint: 'e', requestId: 'r', sentAt: '0' })],
  ])('rejects a well-sealed plaintext that is %s as PROTOCOL_MALFORMED_REQUEST', async (_, plaintext) => {
    const body = await sealRaw(plaintext);
    expect(await outcome(body)).toBe('PROTOCOL_MALFORMED_REQUEST');
  });

  it('ignores unknown request keys', async () => {
    const body = await sealRaw(encodeCbor({ endpoint: 'e', requestId: 'r', sentAt: 0, future: true }));
    const opened = await openRequest(keys, body);
    expect(opened.request).toEqual({ endpoint: 'e', input: undefined, requestId: 'r', sentAt: 0 });
  });
});

describe('refuseRequest (authenticated NOT_RUN_BUSY from the header and enc alone)', () => {
  it('seals a refusal the client opens as NOT_RUN_BUSY, from the first 47 bytes', async () => {
    const { refuseRequest, REFUSAL_PREFIX_LENGTH } = await import('./refuse-request.js');
    const key = await generateServerKey();
    const sealed = await sealRequest(key, {
      endpoint: 'e',
      input: new Uint8Array(1000),
      requestId: '',
      sentAt: 1,
    });
    const refusal = await refuseRequest(() => key, sealed.body.subarray(0, REFUSAL_PREFIX_LENGTH));
    expect(refusal.enc).toEqual(sealed.body.subarray(15, 47));
    const response = await sealed.openResponse(refusal.body);
    expect(response).toMatchObject({ ok: false, error: { code: 'NOT_RUN_BUSY' } });
    expect(typeof response.serverTime).toBe('number');
    // Another request's client cannot open it: the refusal is bound to this enc.
    const other = await sealRequest(key, { endpoint: 'e', input: 1, requestId: '', sentAt: 1 });
    await expect(other.openResponse(refusal.body)).rejects.toMatchObject({
      code: 'PROTOCOL_RESPONSE_TAMPERED',
    });
    await expect(refuseRequest(() => undefined, sealed.body.subarray(0, 47))).rejects.toMatchObject({
      code: 'PROTOCOL_UNKNOWN_KEY',
    });
    await expect(refuseRequest(() => key, sealed.body.subarray(0, 46))).rejects.toMatchObject({
      code: 'PROTOCOL_MALFORMED_REQUEST',
    });
  });
});
