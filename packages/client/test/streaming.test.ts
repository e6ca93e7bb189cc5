import { base64Encode, base64urlDecode, base64urlEncode, hexEncode } from '@blindbox/bytes';
import {
  AEAD_IDS,
  CALL_PATH,
  computeBinding,
  generateServerKey,
  isSessionMessage,
  KDF_ID,
  KEM_ID,
  openRequest,
  openSessionRequest,
  RESPONSE_CONTENT_TYPE,
  ReplayWindow,
  type ServerSessionState,
} from '@blindbox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../src/connect.js';
import { loopback, readAll } from './support/loopback.js';
import { base, simulatedProvider } from './support/sim-enclave.js';

/*
 * Streaming both ways with bounded memory, against a v1.1 server made of @blindbox/protocol's own
 * functions on loopback. Every one-shot call only opens a session; in the session, `count` reads a
 * streamed input without keeping it and `produce` answers a streamed output of the requested size,
 * generated chunk by chunk.
 */

let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const key = await generateServerKey();
  const provider = simulatedProvider();
  const sessions = new Map<string, ServerSessionState>();
  const server = await loopback(async (req, res) => {
    if (req.url !== CALL_PATH) {
      const { nonce } = JSON.parse((await readAll(req)).toString()) as { nonce: string };
      const { evidence } = await provider.getEvidence(computeBinding(base64urlDecode(nonce), key.publicKey));
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
      return;
    }
    const body = req as AsyncIterable<Uint8Array>;
    const iterator = body[Symbol.asyncIterator]();
    const first = await iterator.next();
    const rest = (async function* () {
      yield first.value as Uint8Array;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })();
    if (!isSessionMessage(first.value as Uint8Array)) {
      const opened = await openRequest(
        () => key,
        new Uint8Array(await readAll({ [Symbol.asyncIterator]: () => rest } as never)),
      );
      const keys = opened.deriveSession();
      sessions.set(hexEncode(keys.sessionId), { keys, window: new ReplayWindow() });
      res.writeHead(200, { 'content-type': RESPONSE_CONTENT_TYPE });
      res.end(
        await opened.sealResponse({ ok: true, output: undefined, session: { ttl: 3600, window: 1024 } }),
      );
      return;
    }
    const opened = await openSessionRequest((h) => sessions.get(hexEncode(h.sessionId)), rest);
    let response: { ok: true; output: unknown; stream?: string };
    let tail: AsyncIterable<Uint8Array> | undefined;
    if (opened.request.endpoint === 'count') {
      let n = 0;
      for await (const piece of opened.tail) n += piece.length;
      response = { ok: true, output: { length: n } };
    } else {
      const size = (opened.request.input as { size: number }).size;
      response = { ok: true, output: {}, stream: '/data' };
      tail = (async function* () {
        for (let sent = 0; sent < size; sent += 1 << 20)
          yield new Uint8Array(Math.min(1 << 20, size - sent)).fill(7);
      })();
    }
    res.writeHead(200, { 'content-type': RESPONSE_CONTENT_TYPE });
    for await (const frame of opened.sealResponse(response, tail === undefined ? {} : { tail })) {
      if (!res.write(frame)) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });
  url = server.url;
  close = server.close;
});
afterAll(() => close());

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe('streaming with bounded memory', () => {
  it('uploads 128 MiB from an async iterable while holding about one chunk', async () => {
    const session = await connect(url, { ...base, limits: { inputBytes: 2 ** 30 } });
    const before = heapMiB();
    let peak = before;
    async function* pieces() {
      const piece = new Uint8Array(1 << 20);
      for (let i = 0; i < 128; i++) {
        peak = Math.max(peak, process.memoryUsage().heapUsed / 2 ** 20);
        yield piece;
      }
    }
    expect(await session.call('count', { data: pieces() })).toEqual({ length: 128 * 2 ** 20 });
    expect(session.inSession).toBe(true);
    expect(peak - before).toBeLessThan(64);
  });

  it('downloads a 64 MiB streamed output as an async iterable, bounded; or whole within the limit', async () => {
    const session = await connect(url, { ...base, limits: { responseBytes: 2 ** 30 } });
    await session.call('open', {}); // this server answers every one-shot call by opening a session
    expect(session.inSession).toBe(true);
    const before = heapMiB();
    let peak = before;
    const out = (await session.call('produce', { size: 64 * 2 ** 20 }, { streamOutput: true })) as {
      data: AsyncIterable<Uint8Array>;
    };
    let total = 0;
    for await (const piece of out.data) {
      total += piece.length;
      peak = Math.max(peak, process.memoryUsage().heapUsed / 2 ** 20);
    }
    expect(total).toBe(64 * 2 ** 20);
    expect(peak - before).toBeLessThan(64);
    const whole = (await session.call('produce', { size: 3_000_000 })) as { data: Uint8Array };
    expect(whole.data).toBeInstanceOf(Uint8Array);
    expect(whole.data.length).toBe(3_000_000);
    const limited = await connect(url, { ...base, limits: { responseBytes: 1_000_000 } });
    await limited.call('open', {});
    await expect(limited.call('produce', { size: 3_000_000 })).rejects.toMatchObject({
      code: 'CLIENT_RESPONSE_TOO_LARGE',
    });
  });
});
