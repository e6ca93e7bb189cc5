import type { IncomingMessage } from 'node:http';
import { CALL_PATH, PROBLEM_CONTENT_TYPE, UNKNOWN_SESSION_PROBLEM_TYPE } from '@blindbox/protocol';
import type { EnclaveServer } from '@blindbox/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../src/connect.js';
import { forward, loopback, readAll } from './support/loopback.js';
import { type Adder, base, startAdder } from './support/sim-enclave.js';

/*
 * Protocol v1.1 against the real runtime: the first call opens a session inside its sealed v1
 * request, later calls are session messages (first byte 0x02), large Uint8Array inputs travel as
 * chunked tails, and the handler sees the same values as in v1.
 */

let enclave: EnclaveServer;
let adder: Adder;
const seen: number[] = [];
let answerUnknownSession = false;
let proxy: { url: string; close(): Promise<void> };

beforeAll(async () => {
  ({ server: enclave, instance: adder } = await startAdder());
  // A transparent recorder: which message kind each /call body was.
  proxy = await loopback(async (req: IncomingMessage, res) => {
    const body = await readAll(req);
    if (req.url === CALL_PATH) seen.push(body[0] ?? -1);
    if (req.url === CALL_PATH && body[0] === 2 && answerUnknownSession) {
      // What a restarted server (or a man in the middle) answers: plaintext, before any cryptography.
      answerUnknownSession = false;
      res.writeHead(400, { 'content-type': PROBLEM_CONTENT_TYPE });
      res.end(JSON.stringify({ type: UNKNOWN_SESSION_PROBLEM_TYPE, title: 'unknown-session' }));
      return;
    }
    const answer = await forward(enclave.url, req, body);
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
    res.end(answer.body);
  });
});
afterAll(async () => {
  await proxy.close();
  await enclave.close(100);
});

describe('sessions against the runtime', () => {
  it('opens a session with the first call and uses it for the next ones', async () => {
    seen.length = 0;
    const session = await connect(proxy.url, base);
    expect(await session.call('add', { a: 1, b: 2 })).toEqual({ sum: 3 });
    expect(session.inSession).toBe(true);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => session.call('add', { a: i, b: 1 })),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => ({ sum: i + 1 })));
    expect(seen[0]).toBe(1);
    expect(seen.slice(1).every((kind) => kind === 2)).toBe(true);
  });

  it('serves bursts of concurrent calls that start while the session is being opened', async () => {
    const session = await connect(proxy.url, base);
    const burst = (n: number, offset: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => session.call('add', { a: offset + i, b: 0 })));
    const results = await Promise.all([burst(10, 0), burst(10, 100).then(() => burst(30, 200))]);
    expect(results[0]).toEqual(Array.from({ length: 10 }, (_, i) => ({ sum: i })));
    expect(session.inSession).toBe(true);
    expect(await burst(30, 500)).toEqual(Array.from({ length: 30 }, (_, i) => ({ sum: 500 + i })));
  });

  it('sends a Uint8Array above the threshold as a chunked tail; the handler gets the bytes', async () => {
    const session = await connect(proxy.url, { ...base, limits: { streamThreshold: 64 * 1024 } });
    const data = new Uint8Array(3 * 2 ** 20 + 5).map((_, i) => i * 7);
    expect(await session.call('size', { data })).toEqual({ length: data.length });
    expect(session.inSession).toBe(true);
  });

  it('accepts an async iterable as a streamed field', async () => {
    const session = await connect(proxy.url, base);
    async function* pieces() {
      for (let i = 0; i < 10; i++) yield new Uint8Array(100_000).fill(i);
    }
    expect(await session.call('size', { data: pieces() })).toEqual({ length: 1_000_000 });
  });

  it('stops a stream that exceeds the endpoint limit mid-upload with CLIENT_BODY_TOO_LARGE; the handler never runs', async () => {
    const session = await connect(proxy.url, { ...base, endpoints: { size: { maxInputBytes: 250_000 } } });
    await session.call('add', { a: 0, b: 0 });
    const before = adder.runs;
    async function* pieces() {
      for (let i = 0; i < 10; i++) yield new Uint8Array(100_000);
    }
    await expect(session.call('size', { data: pieces() })).rejects.toMatchObject({
      code: 'CLIENT_BODY_TOO_LARGE',
      limit: 250_000,
    });
    expect(adder.runs).toBe(before);
    expect(await session.call('add', { a: 1, b: 1 })).toEqual({ sum: 2 });
  });

  it('after unknown-session: the failed call is not resent, the next call opens a new session', async () => {
    const session = await connect(proxy.url, base);
    await session.call('add', { a: 1, b: 1 });
    expect(session.inSession).toBe(true);
    answerUnknownSession = true;
    seen.length = 0;
    const before = adder.runs;
    await expect(session.call('add', { a: 1, b: 1 })).rejects.toMatchObject({
      code: 'CLIENT_OUTCOME_UNKNOWN',
    });
    expect(session.inSession).toBe(false);
    expect(await session.call('add', { a: 2, b: 2 })).toEqual({ sum: 4 });
    expect(adder.runs - before).toBe(1);
    expect(seen).toEqual([2, 1]);
    expect(session.inSession).toBe(true);
  });

  it('after unknown-session on an idempotent endpoint: resent transparently in a new session', async () => {
    const session = await connect(proxy.url, { ...base, endpoints: { add: { idempotent: true } } });
    await session.call('add', { a: 1, b: 1 });
    answerUnknownSession = true;
    seen.length = 0;
    expect(await session.call('add', { a: 5, b: 5 })).toEqual({ sum: 10 });
    expect(seen).toEqual([2, 1]);
  });
});
