import type { IncomingMessage, ServerResponse } from 'node:http';
import { CALL_PATH, PROBLEM_CONTENT_TYPE, UNKNOWN_KEY_PROBLEM_TYPE } from '@blindbox/protocol';
import type { EnclaveServer } from '@blindbox/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestServer } from '../src/attest-server.js';
import { connect } from '../src/connect.js';
import { forward, loopback, readAll } from './support/loopback.js';
import { type Adder, base, startAdder } from './support/sim-enclave.js';

/*
 * A hostile server against the client (issue 8, item 8): each answer that hung the client or took
 * gigabytes must now fail fast, with a typed error and bounded memory. Real HTTP servers on
 * 127.0.0.1; small timeouts and limits keep every case within a second or two.
 */

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

async function hostile(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>) {
  const server = await loopback(handler);
  closers.push(server.close);
  return server.url;
}

/** Heap growth while `run` runs (after a GC when the process exposes one), in MiB. */
async function heapGrowth(run: () => Promise<unknown>): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  return (peak - before) / 2 ** 20;
}

function elapsed(start: number): number {
  return performance.now() - start;
}

/** Both transports: node:http (Node's default) and fetch (browsers, or a fetch the caller passes). */
const transports: Array<[string, typeof fetch | undefined]> = [
  ['node:http', undefined],
  ['fetch', globalThis.fetch.bind(globalThis)],
];

describe.each(transports)('through %s', (_name, fetchImpl) => {
  /** The options with this transport's fetch, if any. */
  const over = <T extends object>(options?: T): T =>
    ({ ...options, ...(fetchImpl ? { fetch: fetchImpl } : {}) }) as T;

  describe('a hostile attest endpoint', () => {
    it('that trickles its response forever: CLIENT_TIMEOUT (total), not a hang', async () => {
      const url = await hostile((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const t = setInterval(() => res.write(' '), 20);
        res.on('close', () => clearInterval(t));
      });
      const start = performance.now();
      await expect(attestServer(url, over({ timeouts: { total: 600, body: 5_000 } }))).rejects.toMatchObject({
        code: 'CLIENT_TIMEOUT',
        phase: 'total',
      });
      expect(elapsed(start)).toBeLessThan(3_000);
    });

    it('that pauses inside its body: CLIENT_TIMEOUT (body)', async () => {
      const url = await hostile((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
      });
      await expect(attestServer(url, over({ timeouts: { body: 300 } }))).rejects.toMatchObject({
        code: 'CLIENT_TIMEOUT',
        phase: 'body',
      });
    });

    it('that never sends headers: CLIENT_TIMEOUT (headers) instead of 300 s', async () => {
      const url = await hostile(() => undefined);
      const start = performance.now();
      await expect(
        attestServer(url, over({ timeouts: { connect: 100, headers: 300 } })),
      ).rejects.toMatchObject({
        code: 'CLIENT_TIMEOUT',
        phase: 'headers',
      });
      expect(elapsed(start)).toBeLessThan(3_000);
    });

    it('that answers 1,000 MB: CLIENT_RESPONSE_TOO_LARGE after the limit, with bounded memory', async () => {
      let sent = 0;
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const url = await hostile((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const pump = (): void => {
          while (sent < 1000 * 2 ** 20) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
      });
      let error: unknown;
      const growth = await heapGrowth(async () => {
        error = await attestServer(url, over({ limits: { attestBytes: 4 * 2 ** 20 } })).catch(
          (e: unknown) => e,
        );
      });
      expect(error).toMatchObject({ code: 'CLIENT_RESPONSE_TOO_LARGE', limit: 4 * 2 ** 20 });
      expect(growth).toBeLessThan(64);
      expect(sent).toBeLessThan(200 * 2 ** 20);
    });

    it('that declares 200 MB of evidence: refused on its content-length, before reading it', async () => {
      let written = 0;
      const url = await hostile((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(200 * 2 ** 20) });
        const chunk = Buffer.alloc(64 * 1024, 0x41);
        const t = setInterval(() => {
          written += chunk.length;
          res.write(chunk);
        }, 1);
        res.on('close', () => clearInterval(t));
      });
      await expect(attestServer(url, over())).rejects.toMatchObject({
        code: 'CLIENT_RESPONSE_TOO_LARGE',
        limit: 4 * 2 ** 20,
      });
      expect(written).toBeLessThan(32 * 2 ** 20);
    });

    it('that answers deeply nested JSON: refused by depth (within the size limit) and by size (40 MB)', async () => {
      const nested = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
      const url = await hostile((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(nested);
      });
      let error: unknown;
      const growth = await heapGrowth(async () => {
        error = await attestServer(url, over()).catch((e: unknown) => e);
      });
      expect(error).toMatchObject({ code: 'CLIENT_RESPONSE_TOO_LARGE', limit: 64 });
      expect(growth).toBeLessThan(64);
      const big = await hostile((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('['.repeat(40 * 2 ** 20));
      });
      await expect(attestServer(big, over())).rejects.toMatchObject({
        code: 'CLIENT_RESPONSE_TOO_LARGE',
        limit: 4 * 2 ** 20,
      });
    });

    it('that does not exist: CLIENT_NETWORK_ERROR, nothing sent', async () => {
      const url = await hostile(() => undefined);
      const closed = closers.pop();
      await closed?.();
      await expect(attestServer(url, over())).rejects.toMatchObject({
        code: 'CLIENT_NETWORK_ERROR',
        mayHaveRun: false,
      });
    });
  });

  /** A proxy in front of a real enclave whose /call answers the test rewrites. */
  async function proxied(
    enclaveUrl: string,
    onCall: (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> | void,
  ) {
    return hostile(async (req, res) => {
      if (req.url === CALL_PATH) {
        const body = await readAll(req);
        await onCall(req, res, body);
        return;
      }
      const body = await readAll(req);
      const answer = await forward(enclaveUrl, req, body);
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
      res.end(answer.body);
    });
  }

  describe('a hostile server in front of a real enclave (calls)', () => {
    let enclave: EnclaveServer;
    let adder: Adder;
    beforeAll(async () => {
      const started = await startAdder();
      enclave = started.server;
      adder = started.instance;
      closers.push(() => enclave.close(100));
    });

    async function ran(before: number): Promise<number> {
      await new Promise((r) => setTimeout(r, 50));
      return adder.runs - before;
    }

    it('forges unknown-key after forwarding the call: the call ran once and is NOT resent', async () => {
      const url = await proxied(enclave.url, async (req, res, body) => {
        const answer = await forward(enclave.url, req, body); // the enclave runs it
        expect(answer.status).toBe(200);
        res.writeHead(400, { 'content-type': PROBLEM_CONTENT_TYPE });
        res.end(JSON.stringify({ type: UNKNOWN_KEY_PROBLEM_TYPE, title: 'unknown-key' }));
      });
      const session = await connect(url, over(base));
      const before = adder.runs;
      await expect(session.call('add', { a: 1, b: 2 })).rejects.toMatchObject({
        code: 'CLIENT_OUTCOME_UNKNOWN',
        mayHaveRun: true,
        retryable: true,
      });
      expect(await ran(before)).toBe(1);
    });

    it('forges unknown-key for an idempotent endpoint: resent once after re-attesting', async () => {
      let forged = 0;
      const url = await proxied(enclave.url, async (req, res, body) => {
        const answer = await forward(enclave.url, req, body);
        if (forged++ === 0) {
          res.writeHead(400, { 'content-type': PROBLEM_CONTENT_TYPE });
          res.end(JSON.stringify({ type: UNKNOWN_KEY_PROBLEM_TYPE, title: 'unknown-key' }));
          return;
        }
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
        res.end(answer.body);
      });
      const session = await connect(url, over({ ...base, endpoints: { add: { idempotent: true } } }));
      const before = adder.runs;
      expect(await session.call('add', { a: 1, b: 2 })).toEqual({ sum: 3 });
      expect(await ran(before)).toBe(2);
    });

    it('answers a plain 503: not resent unless idempotent; idempotent calls retry a bounded number of times', async () => {
      let seen = 0;
      const url = await proxied(enclave.url, (_req, res) => {
        seen++;
        res.writeHead(503, { 'retry-after': '0' });
        res.end();
      });
      const session = await connect(url, over({ ...base, retry: { attempts: 2, baseDelayMs: 1 } }));
      await expect(session.call('add', { a: 1, b: 1 })).rejects.toMatchObject({
        code: 'CLIENT_SERVER_BUSY',
        mayHaveRun: true,
      });
      expect(seen).toBe(1);
      await expect(session.call('add', { a: 1, b: 1 }, { idempotent: true })).rejects.toMatchObject({
        code: 'CLIENT_SERVER_BUSY',
      });
      expect(seen).toBe(1 + 3);
    });

    it('trickles, stalls or floods the call response: typed errors, bounded memory', async () => {
      let behaviour: 'trickle' | 'silent' | 'flood' = 'trickle';
      const url = await proxied(enclave.url, (_req, res) => {
        if (behaviour === 'silent') return;
        res.writeHead(200, { 'content-type': 'application/blindbox-response' });
        if (behaviour === 'trickle') {
          const t = setInterval(() => res.write('x'), 20);
          res.on('close', () => clearInterval(t));
          return;
        }
        const chunk = Buffer.alloc(1 << 20);
        const pump = (): void => {
          while (res.write(chunk)) {
            if (res.destroyed) return;
          }
          res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
      });
      const session = await connect(
        url,
        over({
          ...base,
          timeouts: { total: 700, connect: 100, headers: 300, body: 5_000 },
          limits: { responseBytes: 2 ** 20 },
        }),
      );
      await expect(session.call('add', { a: 1, b: 1 })).rejects.toMatchObject({
        code: 'CLIENT_TIMEOUT',
        phase: 'total',
      });
      behaviour = 'silent';
      await expect(session.call('add', { a: 1, b: 1 })).rejects.toMatchObject({
        code: 'CLIENT_TIMEOUT',
        phase: 'headers',
      });
      behaviour = 'flood';
      let error: unknown;
      const growth = await heapGrowth(async () => {
        error = await session.call('add', { a: 1, b: 1 }).catch((e: unknown) => e);
      });
      expect(error).toMatchObject({ code: 'CLIENT_RESPONSE_TOO_LARGE', limit: 2 ** 20 });
      expect(growth).toBeLessThan(64);
    });

    it('closes the connection mid-upload: CLIENT_CONNECTION_CLOSED, not "cannot reach"', async () => {
      const url = await hostile(async (req, res) => {
        if (req.url !== CALL_PATH) {
          const body = await readAll(req);
          const answer = await forward(enclave.url, req, body);
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
          res.end(answer.body);
          return;
        }
        // Read a little of the upload, then drop the connection.
        req.once('data', () => req.socket.destroy());
      });
      const session = await connect(url, over(base));
      const data = new Uint8Array(8 * 2 ** 20);
      await expect(session.call('size', { data })).rejects.toMatchObject({
        code: 'CLIENT_CONNECTION_CLOSED',
      });
    });

    it('refuses an input over the manifest limit before sealing or sending it', async () => {
      let calls = 0;
      const url = await proxied(enclave.url, (_req, res) => {
        calls++;
        res.end();
      });
      const session = await connect(url, over({ ...base, endpoints: { size: { maxInputBytes: 1000 } } }));
      await expect(session.call('size', { data: new Uint8Array(2000) })).rejects.toMatchObject({
        code: 'CLIENT_BODY_TOO_LARGE',
        limit: 1000,
        mayHaveRun: false,
      });
      expect(calls).toBe(0);
    });
  });
});
