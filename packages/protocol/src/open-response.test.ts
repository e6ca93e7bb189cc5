import { createCipheriv, hkdfSync } from 'node:crypto';
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from './cbor.js';
import { ProtocolError } from './protocol-error.js';
import { requestInfo } from './request-header.js';
import { sealRequest } from './seal-request.js';
import { deriveServerKey } from './server-key.js';

const ikm = new Uint8Array(32).fill(5);
const key = await deriveServerKey(ikm);
const request = { endpoint: 'e', input: null, requestId: 'r', sentAt: 0 };

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'opened';
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
}

/** Seals any response plaintext the way docs/protocol.md §6 says, independently of sealResponse. */
async function sealRawResponse(requestBody: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const suite = new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: new Aes128Gcm(),
  });
  const enc = requestBody.subarray(15, 47);
  const ctx = await suite.createRecipientContext({
    recipientKey: await suite.kem.deriveKeyPair(ikm.buffer),
    enc: new Uint8Array(enc).buffer,
    info: requestInfo(requestBody.subarray(0, 15)),
  });
  const secret = new Uint8Array(
    await ctx.export(new TextEncoder().encode('blindbox/call/v1 response').buffer, 16),
  );
  const responseNonce = new Uint8Array(16).fill(1);
  const salt = Buffer.concat([enc, responseNonce]);
  const cipher = createCipheriv(
    'aes-128-gcm',
    Buffer.from(hkdfSync('sha256', secret, salt, 'key', 16)),
    Buffer.from(hkdfSync('sha256', secret, salt, 'nonce', 12)),
  );
  return Buffer.concat([responseNonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

describe('openResponse', () => {
  it('opens a response sealed independently from the document', async () => {
    const sealed = await sealRequest(key, request);
    const body = await sealRawResponse(sealed.body, encodeCbor({ ok: true, output: [1] }));
    expect(await sealed.openResponse(body)).toEqual({ ok: true, output: [1] });
  });

  it.each<[string, Uint8Array]>([
    ['not CBOR', new Uint8Array([0xff])],
    ['a CBOR array', encodeCbor([])],
    ['missing ok', encodeCbor({ output: 1 })],
    ['ok as a string', encodeCbor({ ok: 'true' })],
    ['a failure without error', encodeCbor({ ok: false })],
    ['an error without code', encodeCbor({ ok: false, error: { message: 'm' } })],
    ['an error with a numeric path', encodeCbor({ ok: false, error: { code: 'X', message: 'm', path: 1 } })],
  ])('rejects an authentic response that is %s as PROTOCOL_MALFORMED_RESPONSE', async (_, plaintext) => {
    const sealed = await sealRequest(key, request);
    const body = await sealRawResponse(sealed.body, plaintext);
    expect(await outcome(sealed.openResponse(body))).toBe('PROTOCOL_MALFORMED_RESPONSE');
  });

  it('fails with PROTOCOL_RESPONSE_TAMPERED on random bytes', async () => {
    const sealed = await sealRequest(key, request);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 120 }), async (body) => {
        expect(await outcome(sealed.openResponse(body))).toBe('PROTOCOL_RESPONSE_TAMPERED');
      }),
      { numRuns: 300 },
    );
  });
});
