// Issue 8 item 7: well-behaved clients keep being served while others trickle their headers or
// bodies, disconnect mid-upload, send bodies over the limit, malformed bodies or the wrong content
// type, all at once, against one enclave process on loopback. Nothing crashes, memory stays bounded.
import { type Socket, connect as tcpConnect } from 'node:net';
import type { ConnectOptions } from '@blindbox/client';
import { CALL_CONTENT_TYPE, CALL_PATH } from '@blindbox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOutcomes, type ServerProcess, startServer, trust, wellBehavedClient } from './load-clients.js';

const MiB = 2 ** 20;
let server: ServerProcess;
let connectOptions: ConnectOptions;

beforeAll(async () => {
  const t = await trust();
  connectOptions = t.connectOptions;
  server = await startServer({
    simRootDir: t.simRootDir,
    limits: {
      maxBodyBytes: MiB,
      // Short, but not so short that a CPU-starved test client (200 of them in this process) trips it.
      headersTimeoutMs: 3_000,
      bodyIdleTimeoutMs: 2_000,
      timeoutCheckIntervalMs: 200,
      maxEvidenceQueued: 256,
    },
  });
}, 60_000);
afterAll(async () => server?.stop());

/** Hostile raw connections come from another loopback address (another client to the server). */
function socket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.2' }, () =>
      resolve(s),
    );
    s.once('error', reject);
  });
}
const closed = (s: Socket, ms: number) =>
  new Promise<'closed' | 'open'>((resolve) => {
    const t = setTimeout(() => resolve('open'), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve('closed');
    });
  });
const head = (length: number, type = CALL_CONTENT_TYPE) =>
  `POST ${CALL_PATH} HTTP/1.1\r\nhost: x\r\ncontent-type: ${type}\r\ncontent-length: ${length}\r\n\r\n`;

/** A connection that sends its headers one short line every 100 ms, forever. */
async function trickleHeaders(): Promise<'closed' | 'open'> {
  const s = await socket();
  s.on('error', () => {});
  s.on('data', () => {});
  s.write(`POST ${CALL_PATH} HTTP/1.1\r\n`);
  const timer = setInterval(() => s.write('x-a: b\r\n'), 100);
  const state = await closed(s, 12_000);
  clearInterval(timer);
  s.destroy();
  return state;
}

/** A body that sends one byte every 2.5 s (longer than the body idle timeout). */
async function trickleBody(): Promise<string> {
  const s = await socket();
  let text = '';
  s.on('error', () => {});
  s.on('data', (d) => {
    text += d.toString('latin1');
  });
  s.write(head(1000));
  const timer = setInterval(() => s.write('x'), 2_500);
  const state = await closed(s, 8_000);
  clearInterval(timer);
  s.destroy();
  return state === 'open' ? 'still open' : (text.split('\r\n')[0] ?? 'closed without status');
}

/** Half a body, then gone. */
async function disconnectMidUpload(): Promise<void> {
  const s = await socket();
  s.on('error', () => {});
  s.write(head(512 * 1024));
  s.write(new Uint8Array(256 * 1024));
  await new Promise((r) => setTimeout(r, 50));
  s.destroy();
}

async function status(body: Uint8Array, type = CALL_CONTENT_TYPE): Promise<number> {
  const res = await fetch(new URL(CALL_PATH, server.url), {
    method: 'POST',
    headers: { 'content-type': type },
    body: body as Uint8Array<ArrayBuffer>,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('hostile and broken clients mixed with well-behaved ones', () => {
  it('never cost a well-behaved client a reply', async () => {
    const outcomes = newOutcomes();
    const idle = await server.rss();
    const good = Promise.all(
      Array.from({ length: 200 }, (_, id) => wellBehavedClient(server.url, connectOptions, id, 5, outcomes)),
    );
    const headerTricklers = Promise.all(Array.from({ length: 20 }, trickleHeaders));
    const bodyTricklers = Promise.all(Array.from({ length: 20 }, trickleBody));
    const quitters = Promise.all(Array.from({ length: 20 }, disconnectMidUpload));
    const oversized = Promise.all(Array.from({ length: 10 }, () => status(new Uint8Array(2 * MiB))));
    const malformed = Promise.all(
      Array.from({ length: 20 }, (_, i) => status(crypto.getRandomValues(new Uint8Array(100 + i * 37)))),
    );
    const wrongType = Promise.all(
      Array.from({ length: 10 }, () => status(new Uint8Array(100), 'text/plain')),
    );
    const [, headerStates, bodyAnswers, , tooBig, bad, unsupported] = await Promise.all([
      good,
      headerTricklers,
      bodyTricklers,
      quitters,
      oversized,
      malformed,
      wrongType,
    ]);
    const memory = await server.rss();
    console.log(
      `200 clients × 5 calls among hostile ones: ok ${outcomes.ok}, retryable ${outcomes.retryable}; server RSS ${Math.round(idle.now / MiB)} → peak ${Math.round(memory.peak / MiB)} MiB`,
    );
    expect(outcomes.wrong).toEqual([]);
    expect(outcomes.lost).toEqual([]);
    expect(outcomes.ok).toBeGreaterThanOrEqual(0.99 * 1000);
    expect(headerStates).toEqual(headerStates.map(() => 'closed'));
    expect(bodyAnswers.filter((a) => !/^HTTP\/1\.1 408 /.test(a))).toEqual([]);
    // 413, or 503 when this address's share of the body budget is taken by the other uploads.
    expect(tooBig.filter((s) => s !== 413 && s !== 503)).toEqual([]);
    expect(tooBig).toContain(413);
    expect(bad).toEqual(bad.map(() => 400));
    expect(unsupported).toEqual(unsupported.map(() => 415));
    expect(memory.peak).toBeLessThan(512 * MiB);
    // Still serving.
    const after = newOutcomes();
    await wellBehavedClient(server.url, connectOptions, 999, 2, after);
    expect(after.ok).toBe(2);
  }, 120_000);
});
