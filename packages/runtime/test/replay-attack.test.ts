// Issue 8, "Replay": a captured sealed `digest` call resent five times ran the handler five times,
// and any sentAt (0, -1e15, 1e308) was accepted. One-shot calls now run once per encapsulation, and
// only while sentAt lies in the server's window.
import { CALL_CONTENT_TYPE, CALL_PATH, generateServerKey, REPLAYED_PROBLEM_TYPE } from '@blindbox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnclaveServer, startEnclaveServer } from '../src/enclave-server.js';
import { countingProvider, Echo, manifest, postSealed, runs, sealCall } from './echo-enclave.js';

const key = await generateServerKey();
let server: EnclaveServer;

beforeAll(async () => {
  server = await startEnclaveServer({
    manifest,
    instance: new Echo(),
    provider: countingProvider(),
    port: 0,
    key,
    limits: { replayCacheEntries: 1_000 },
  });
});
afterAll(async () => server.close(0));

describe('a captured one-shot call sent again', () => {
  it('runs the handler once; every resend gets the replayed problem (409)', async () => {
    const before = runs.digest;
    const captured = await sealCall(key, 'digest', { data: new Uint8Array([1, 2, 3]) });
    const first = await postSealed(server, captured);
    expect(first).toEqual({ status: 200, response: { ok: true, output: { length: 3 } } });
    for (let i = 0; i < 5; i++) {
      const again = await fetch(new URL(CALL_PATH, server.url), {
        method: 'POST',
        headers: { 'content-type': CALL_CONTENT_TYPE },
        body: captured.body as Uint8Array<ArrayBuffer>,
      });
      expect(again.status).toBe(409);
      expect(await again.json()).toEqual({ type: REPLAYED_PROBLEM_TYPE, title: 'replayed' });
    }
    expect(runs.digest).toBe(before + 1);
  });

  it.each([
    ['zero', 0],
    ['far past', -1e15],
    ['huge', 1e308],
    ['an hour ahead', Date.now() + 3_600_000],
    ['an hour ago', Date.now() - 3_600_000],
  ])('refuses sentAt %s without running the handler', async (_name, sentAt) => {
    const before = runs.digest;
    const stale = await postSealed(
      server,
      await sealCall(key, 'digest', { data: new Uint8Array(1) }, sentAt),
    );
    expect(stale).toMatchObject({ status: 200, response: { ok: false, error: { code: 'NOT_RUN_STALE' } } });
    // The server's clock, so that the client can tell a call dated in the future from a stale one.
    expect(Math.abs((stale.response?.serverTime ?? 0) - Date.now())).toBeLessThan(5_000);
    expect(runs.digest).toBe(before);
  });

  it('sheds with a plain 503 rather than forget an unexpired entry when the cache is full', async () => {
    const small = await startEnclaveServer({
      manifest,
      instance: new Echo(),
      provider: countingProvider(),
      port: 0,
      key,
      limits: { replayCacheEntries: 3 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await postSealed(small, await sealCall(key, 'echo', { text: String(i) }))).status);
      }
      expect(statuses).toEqual([200, 200, 200, 503, 503]);
    } finally {
      await small.close(0);
    }
  });
});

describe('a handler', () => {
  it('cannot answer a NOT_RUN_ code, which would let the client resend a call that ran', async () => {
    const claimed = await postSealed(server, await sealCall(key, 'claim', { code: 'NOT_RUN_BUSY' }));
    expect(claimed).toMatchObject({ status: 200, response: { ok: false, error: { code: 'INTERNAL' } } });
    const own = await postSealed(server, await sealCall(key, 'claim', { code: 'NOT_FOUND' }));
    expect(own).toMatchObject({ status: 200, response: { ok: false, error: { code: 'NOT_FOUND' } } });
  });
});
