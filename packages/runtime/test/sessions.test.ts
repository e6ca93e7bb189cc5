// Protocol v1.1 on the server (docs/protocol.md §11): a session opened by a one-shot call, session
// messages with per-direction keys and a replay window, streamed bodies both ways with bounded
// memory, unknown-session after the session is gone.
import {
  CALL_CONTENT_TYPE,
  CALL_PATH,
  type CallRequest,
  generateServerKey,
  REPLAYED_PROBLEM_TYPE,
  type SessionKeys,
  sealRequest,
  sealSessionRequest,
  UNKNOWN_SESSION_PROBLEM_TYPE,
} from '@blindbox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnclaveServer, startEnclaveServer } from '../src/enclave-server.js';
import { countingProvider, Echo, manifest, runs } from './echo-enclave.js';

const key = await generateServerKey();
let server: EnclaveServer;

beforeAll(async () => {
  server = await startEnclaveServer({
    manifest,
    instance: new Echo(),
    provider: countingProvider(),
    port: 0,
    key,
  });
});
afterAll(async () => server.close(0));

const request = (endpoint: string, input: unknown, extra: Partial<CallRequest> = {}): CallRequest => ({
  endpoint,
  input,
  requestId: 's',
  sentAt: Date.now(),
  ...extra,
});

async function openSession(target: EnclaveServer = server): Promise<SessionKeys> {
  const sealed = await sealRequest(key, request('echo', { text: 'open' }, { openSession: true }));
  const res = await fetch(new URL(CALL_PATH, target.url), {
    method: 'POST',
    headers: { 'content-type': CALL_CONTENT_TYPE },
    body: sealed.body as Uint8Array<ArrayBuffer>,
  });
  const response = await sealed.openResponse(new Uint8Array(await res.arrayBuffer()));
  expect(response).toMatchObject({
    ok: true,
    output: { text: 'open' },
    session: { ttl: 3600, window: 1024 },
  });
  return sealed.deriveSession();
}

/** Collects a streamed body into one buffer (the request side of fetch wants a whole body or a stream). */
function streamBody(body: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      const next = await body.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
}

async function post(sealed: ReturnType<typeof sealSessionRequest>, target: EnclaveServer = server) {
  return fetch(new URL(CALL_PATH, target.url), {
    method: 'POST',
    headers: { 'content-type': CALL_CONTENT_TYPE },
    body: streamBody(sealed.body),
    duplex: 'half',
  } as RequestInit);
}

async function sessionCall(keys: SessionKeys, seq: number, req: CallRequest, tail?: Uint8Array) {
  const sealed = sealSessionRequest(keys, seq, req, tail ? { tail } : {});
  const res = await post(sealed);
  expect(res.status).toBe(200);
  const opened = await sealed.openResponse(new Uint8Array(await res.arrayBuffer()));
  return opened;
}

describe('sessions', () => {
  it('open with a one-shot call, then carry calls sealed with the session keys', async () => {
    const keys = await openSession();
    expect(server.stats().sessions).toBeGreaterThanOrEqual(1);
    for (let seq = 0; seq < 3; seq++) {
      const opened = await sessionCall(keys, seq, request('echo', { text: `m${seq}` }));
      expect(opened.response).toMatchObject({ ok: true, output: { text: `m${seq}` } });
    }
  });

  it('refuse a replayed message (409) and run its handler once', async () => {
    const keys = await openSession();
    const before = runs.digest;
    // Sealed before seq 7 (the sealer only goes up), sent after it: out of order on the wire.
    const early = sealSessionRequest(keys, 2, request('echo', { text: 'late' }));
    // Sealed once (the sealer refuses to reuse a seq), captured, sent twice.
    const captured: Uint8Array[] = [];
    for await (const piece of sealSessionRequest(keys, 7, request('digest', { data: new Uint8Array(3) }))
      .body)
      captured.push(piece);
    const sealedTwice = () => ({
      body: (async function* () {
        yield* captured;
      })(),
    });
    const first = await post(sealedTwice() as ReturnType<typeof sealSessionRequest>);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const again = await post(sealedTwice() as ReturnType<typeof sealSessionRequest>);
    expect(again.status).toBe(409);
    expect((await again.json()).type).toBe(REPLAYED_PROBLEM_TYPE);
    expect(runs.digest).toBe(before + 1);
    // Out of order inside the window is fine (concurrent calls arrive in any order).
    const lateRes = await post(early);
    expect(lateRes.status).toBe(200);
    const earlier = await early.openResponse(new Uint8Array(await lateRes.arrayBuffer()));
    expect(earlier.response).toMatchObject({ ok: true, output: { text: 'late' } });
  });

  it('answer unknown-session for a session the server does not hold, and the $session endpoint opens one', async () => {
    const other = await startEnclaveServer({
      manifest,
      instance: new Echo(),
      provider: countingProvider(),
      port: 0,
      key,
    });
    try {
      const keys = await openSession();
      const res = await post(sealSessionRequest(keys, 0, request('echo', { text: 'x' })), other);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ type: UNKNOWN_SESSION_PROBLEM_TYPE, title: 'unknown-session' });
      const sealed = await sealRequest(key, request('$session', undefined, { openSession: true }));
      const opened = await fetch(new URL(CALL_PATH, other.url), {
        method: 'POST',
        headers: { 'content-type': CALL_CONTENT_TYPE },
        body: sealed.body as Uint8Array<ArrayBuffer>,
      });
      expect(await sealed.openResponse(new Uint8Array(await opened.arrayBuffer()))).toMatchObject({
        ok: true,
        session: { window: 1024 },
      });
      const fresh = sealed.deriveSession();
      const res2 = await post(sealSessionRequest(fresh, 0, request('echo', { text: 'y' })), other);
      expect(res2.status).toBe(200);
    } finally {
      await other.close(0);
    }
  });

  it('put a Uint8Array that travelled as the tail back in place: the handler does not notice', async () => {
    const keys = await openSession();
    const data = new Uint8Array(3 * 1024 * 1024 + 5).fill(9);
    const opened = await sessionCall(keys, 0, request('digest', {}, { stream: '/data' }), data);
    expect(opened.response).toMatchObject({ ok: true, output: { length: data.length } });
    // Over the endpoint's own limit (maxInputBytes 8 MiB): 413, the handler never runs.
    const before = runs.digest;
    const sealed = sealSessionRequest(keys, 1, request('digest', {}, { stream: '/data' }), {
      tail: new Uint8Array(9 * 1024 * 1024),
    });
    const res = await post(sealed);
    expect(res.status).toBe(413);
    expect(runs.digest).toBe(before);
  });

  it('stream a 256 MiB upload and a 256 MiB download through the handler with bounded memory', async () => {
    const keys = await openSession();
    const size = 256 * 1024 * 1024;
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sample = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      async function* upload() {
        const piece = new Uint8Array(1024 * 1024).fill(1);
        for (let sent = 0; sent < size; sent += piece.length) yield piece;
      }
      const up = sealSessionRequest(keys, 0, request('count', {}, { stream: '/audio' }), { tail: upload() });
      const res = await post(up);
      const opened = await up.openResponse(new Uint8Array(await res.arrayBuffer()));
      expect(opened.response).toMatchObject({
        ok: true,
        output: { length: size, sum: (size / 64) % 1_000_003 },
      });

      const down = sealSessionRequest(keys, 1, request('produce', { length: size }));
      const resDown = await post(down);
      expect(resDown.status).toBe(200);
      const openedDown = await down.openResponse(resDown.body as unknown as AsyncIterable<Uint8Array>);
      expect(openedDown.response).toMatchObject({ ok: true, stream: '/data' });
      let received = 0;
      let wrong = 0;
      for await (const piece of openedDown.tail) {
        if (piece[0] !== received % 251) wrong++;
        received += piece.length;
      }
      expect([received, wrong]).toEqual([size, 0]);
    } finally {
      clearInterval(sample);
    }
    const growth = (peak - rssBefore) / 1024 / 1024;
    console.log(`256 MiB up and down in one process (client and server): RSS grew ${growth.toFixed(0)} MiB`);
    // Client and server together, each holding a few chunks; the rest of the growth is garbage the
    // collector has not yet returned. Holding either body whole (plus its copies) would exceed it.
    expect(growth).toBeLessThan(0.75 * 2 * (size / 1024 / 1024));
  });
});
