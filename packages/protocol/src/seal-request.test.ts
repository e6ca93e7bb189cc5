import { describe, expect, it } from 'vitest';
import type { AeadName } from './hpke-suite.js';
import { openRequest } from './open-request.js';
import { ProtocolError, type ProtocolErrorCode } from './protocol-error.js';
import { sealRequest } from './seal-request.js';
import { deriveServerKey, generateServerKey, type ServerKey } from './server-key.js';

const request = {
  endpoint: 'transcribe',
  input: { audio: new Uint8Array([1, 2, 3, 255]), language: 'en' },
  requestId: 'req-1',
  sentAt: 1_764_000_000_000,
};

function lookup(...held: ServerKey[]) {
  return (keyId: Uint8Array) =>
    held.find((k) => k.keyId.length === keyId.length && k.keyId.every((b, i) => b === keyId[i]));
}

async function rejects(promise: Promise<unknown>, code: ProtocolErrorCode): Promise<ProtocolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).code).toBe(code);
  return error as ProtocolError;
}

describe.each<AeadName>(['aes-128-gcm', 'chacha20-poly1305'])('sealed calls with %s', (aead) => {
  it('round-trips a request and its response', async () => {
    const key = await generateServerKey();
    const sealed = await sealRequest({ keyId: key.keyId, publicKey: key.publicKey, aead }, request);
    expect(sealed.body[14]).toBe(aead === 'aes-128-gcm' ? 1 : 3);
    const opened = await openRequest(lookup(key), sealed.body);
    expect(opened.request).toEqual(request);
    const ok = await sealed.openResponse(
      await opened.sealResponse({ ok: true, output: { text: 'hi', raw: new Uint8Array([9]) } }),
    );
    expect(ok).toEqual({ ok: true, output: { text: 'hi', raw: new Uint8Array([9]) } });
    const failed = await sealed.openResponse(
      await opened.sealResponse({
        ok: false,
        error: { code: 'INVALID_INPUT', message: 'no', path: '/audio', expected: 'bytes', found: 'a string' },
      }),
    );
    expect(failed).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'no', path: '/audio', expected: 'bytes', found: 'a string' },
    });
  });

  it('fails with a typed error when any single byte of the request is altered', async () => {
    const key = await deriveServerKey(new Uint8Array(32).fill(7));
    const { body } = await sealRequest({ keyId: key.keyId, publicKey: key.publicKey, aead }, request);
    for (let i = 0; i < body.length; i++) {
      const bad = body.slice();
      bad[i]! ^= 0x01;
      const error = await openRequest(lookup(key), bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `byte ${i}`).toBeInstanceOf(ProtocolError);
      // Header: version, then key id, then suite ids (AES-GCM 0x0001→0x0000 and ChaCha 0x0003→0x0002 are refused too).
      const expected: ProtocolErrorCode =
        i === 0
          ? 'PROTOCOL_MALFORMED_REQUEST'
          : i < 9
            ? 'PROTOCOL_UNKNOWN_KEY'
            : i < 15
              ? 'PROTOCOL_UNSUPPORTED_SUITE'
              : 'PROTOCOL_DECRYPT_FAILED';
      expect((error as ProtocolError).code, `byte ${i}`).toBe(expected);
    }
  });

  it('detects a tampered or truncated response, and one sealed for another request', async () => {
    const key = await generateServerKey();
    const target = { keyId: key.keyId, publicKey: key.publicKey, aead };
    const first = await sealRequest(target, request);
    const second = await sealRequest(target, { ...request, requestId: 'req-2' });
    const opened = await openRequest(lookup(key), first.body);
    const response = await opened.sealResponse({ ok: true, output: 42 });
    for (const i of [0, 5, response.length - 1]) {
      const bad = response.slice();
      bad[i]! ^= 0x80;
      await rejects(first.openResponse(bad), 'PROTOCOL_RESPONSE_TAMPERED');
    }
    await rejects(first.openResponse(response.subarray(0, 20)), 'PROTOCOL_RESPONSE_TAMPERED');
    await rejects(
      first.openResponse(response.subarray(0, response.length - 1)),
      'PROTOCOL_RESPONSE_TAMPERED',
    );
    await rejects(second.openResponse(response), 'PROTOCOL_RESPONSE_TAMPERED');
    expect(await first.openResponse(response)).toEqual({ ok: true, output: 42 });
  });
});

describe('openRequest', () => {
  it('names an unknown key before any decryption', async () => {
    const held = await generateServerKey();
    const other = await generateServerKey();
    const { body } = await sealRequest({ keyId: other.keyId, publicKey: other.publicKey }, request);
    const error = await rejects(openRequest(lookup(held), body), 'PROTOCOL_UNKNOWN_KEY');
    expect(error.message).toContain(Buffer.from(other.keyId).toString('hex'));
  });

  it('rejects truncated bodies as malformed', async () => {
    const key = await generateServerKey();
    const { body } = await sealRequest({ keyId: key.keyId, publicKey: key.publicKey }, request);
    for (const length of [0, 1, 15, 46, 47, 62]) {
      await rejects(openRequest(lookup(key), body.subarray(0, length)), 'PROTOCOL_MALFORMED_REQUEST');
    }
    // Long enough for the size check, but the AEAD tag no longer matches.
    await rejects(openRequest(lookup(key), body.subarray(0, 63)), 'PROTOCOL_DECRYPT_FAILED');
  });

  it('does not open a request sealed to a different key that shares the key id', async () => {
    const key = await generateServerKey();
    const other = await generateServerKey();
    const { body } = await sealRequest({ keyId: key.keyId, publicKey: other.publicKey }, request);
    await rejects(openRequest(lookup(key), body), 'PROTOCOL_DECRYPT_FAILED');
  });

  it('rejects plaintexts that are not a valid CallRequest', async () => {
    const key = await generateServerKey();
    const target = { keyId: key.keyId, publicKey: key.publicKey };
    await expect(sealRequest(target, { ...request, endpoint: '' })).rejects.toThrow(TypeError);
    await expect(sealRequest(target, { ...request, endpoint: 'x'.repeat(129) })).rejects.toThrow(TypeError);
    await expect(sealRequest(target, { ...request, requestId: 'x'.repeat(65) })).rejects.toThrow(TypeError);
    await expect(sealRequest(target, { ...request, sentAt: Number.NaN })).rejects.toThrow(TypeError);
  });

  it('passes an absent input through as undefined', async () => {
    const key = await generateServerKey();
    const { body } = await sealRequest(
      { keyId: key.keyId, publicKey: key.publicKey },
      { ...request, input: undefined },
    );
    const { request: opened } = await openRequest(lookup(key), body);
    expect(opened.input).toBeUndefined();
    expect(Object.keys(opened)).toContain('input');
  });

  it('refuses objects that only look like a ServerKey', async () => {
    const key = await generateServerKey();
    const { body } = await sealRequest({ keyId: key.keyId, publicKey: key.publicKey }, request);
    await expect(openRequest(() => ({ ...key }), body)).rejects.toThrow(TypeError);
  });
});

describe('ServerKey', () => {
  it('never serialises its private key', async () => {
    const key = await generateServerKey();
    const json = JSON.stringify(key);
    expect(Object.keys(JSON.parse(json))).toEqual(['keyId', 'publicKey']);
    expect(Object.keys(key)).toEqual(['keyId', 'publicKey']);
    expect(Object.isFrozen(key)).toBe(true);
  });

  it('has the key id SHA-256(publicKey)[0..8]', async () => {
    const { createHash } = await import('node:crypto');
    const key = await generateServerKey();
    expect(Buffer.from(key.keyId).toString('hex')).toBe(
      createHash('sha256').update(key.publicKey).digest('hex').slice(0, 16),
    );
  });
});
