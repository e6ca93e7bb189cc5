import { base64Encode, base64urlDecode, base64urlEncode, hexEncode } from '@blindbox/bytes';
import {
  AEAD_IDS,
  CALL_PATH,
  computeBinding,
  generateServerKey,
  KDF_ID,
  KEM_ID,
  openRequest,
  REFUSAL_PREFIX_LENGTH,
  RESPONSE_CONTENT_TYPE,
  refuseRequest,
} from '@blindbox/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/connect.js';
import { loopback, readAll } from './support/loopback.js';
import { base, simulatedProvider } from './support/sim-enclave.js';

/*
 * A v1-only server made of @blindbox/protocol's own functions on a loopback HTTP server. Over its
 * budget it refuses with proof (a sealed NOT_RUN_BUSY made from the header and enc alone): the
 * client resends with backoff, a bounded number of times, and the handler runs once. It ignores
 * openSession, so the client stays in one-shot mode.
 */
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

async function busyServer(refusals: number) {
  const key = await generateServerKey();
  const provider = simulatedProvider();
  const state: { refused: number; ran: number; lastInput?: unknown } = { refused: 0, ran: 0 };
  const server = await loopback(async (req, res) => {
    const body = await readAll(req);
    if (req.url === CALL_PATH) {
      if (state.refused < refusals) {
        state.refused++;
        const refusal = await refuseRequest(() => key, body.subarray(0, REFUSAL_PREFIX_LENGTH));
        res.writeHead(503, { 'content-type': RESPONSE_CONTENT_TYPE, 'retry-after': '0' });
        res.end(refusal.body);
        return;
      }
      if (body[0] !== 1) {
        // A v1 server knows no other message kind: content-free 400.
        res.writeHead(400);
        res.end();
        return;
      }
      const opened = await openRequest(() => key, new Uint8Array(body));
      state.ran++;
      state.lastInput = opened.request.input;
      // A v1 server ignores openSession: it answers without a session.
      const input = opened.request.input as { a?: number; b?: number; data?: Uint8Array };
      const output =
        input.data === undefined ? { sum: (input.a ?? 0) + (input.b ?? 0) } : { length: input.data.length };
      res.writeHead(200, { 'content-type': RESPONSE_CONTENT_TYPE });
      res.end(await opened.sealResponse({ ok: true, output }));
      return;
    }
    const { nonce } = JSON.parse(body.toString()) as { nonce: string };
    const { evidence } = await provider.getEvidence(computeBinding(base64urlDecode(nonce), key.publicKey));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        version: 1,
        platform: 'simulated',
        nonce,
        evidence: base64Encode(evidence),
        hpkePublicKey: base64urlEncode(key.publicKey),
        keyId: hexEncode(key.keyId),
        suites: { kem: KEM_ID, kdf: KDF_ID, aead: [AEAD_IDS['aes-128-gcm']] },
      }),
    );
  });
  closers.push(server.close);
  return { url: server.url, state };
}

describe('an authenticated 503 (sealed NOT_RUN_BUSY)', () => {
  it('is retried with backoff and the call runs once', async () => {
    const { url, state } = await busyServer(2);
    const session = await connect(url, { ...base, retry: { attempts: 3, baseDelayMs: 1 } });
    expect(await session.call('add', { a: 20, b: 22 })).toEqual({ sum: 42 });
    expect(state).toMatchObject({ refused: 2, ran: 1 });
  });

  it('is retried a bounded number of times, then CLIENT_SERVER_BUSY that says it did not run', async () => {
    const { url, state } = await busyServer(100);
    const session = await connect(url, { ...base, retry: { attempts: 2, baseDelayMs: 1 } });
    await expect(session.call('add', { a: 1, b: 1 })).rejects.toMatchObject({
      code: 'CLIENT_SERVER_BUSY',
      mayHaveRun: false,
      retryable: true,
    });
    expect(state).toMatchObject({ refused: 3, ran: 0 });
  });
});

describe('a v1-only server (it ignores openSession)', () => {
  it('keeps the client in one-shot mode; a large or streamed input is joined and sent one-shot', async () => {
    const { url, state } = await busyServer(0);
    const session = await connect(url, { ...base, limits: { streamThreshold: 1024 } });
    expect(await session.call('add', { a: 1, b: 2 })).toEqual({ sum: 3 });
    expect(session.inSession).toBe(false);
    expect(await session.call('add', { a: 3, b: 4 })).toEqual({ sum: 7 });
    const data = new Uint8Array(50_000).fill(3);
    expect(await session.call('size', { data })).toEqual({ length: 50_000 });
    async function* pieces() {
      yield new Uint8Array(10);
      yield new Uint8Array(5);
    }
    expect(await session.call('size', { data: pieces() })).toEqual({ length: 15 });
    expect(state.ran).toBe(4);
    expect(session.inSession).toBe(false);
  });
});
