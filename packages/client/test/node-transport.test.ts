import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS } from '../src/client-limits.js';
import { readBody, startExchange } from '../src/exchange.js';

/*
 * The node:http transport's own behaviour (the shared contract, timeouts and typed errors, is in
 * hostile-server.test.ts for both transports): pooled connections, stale ones, streamed uploads.
 * Real servers on 127.0.0.1.
 */

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server whose `nth` request (1-based, counted over all connections) is answered by `onRequest`. */
async function serve(onRequest: (n: number, socket: Socket, end: (body: string) => void) => void) {
  let n = 0;
  const connections: Socket[] = [];
  server = createServer((req, res) => {
    n++;
    const count = n;
    req.resume();
    req.on('end', () => onRequest(count, req.socket, (body) => res.end(body)));
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', (s) => connections.push(s));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
  const post = async (body: Uint8Array | AsyncIterable<Uint8Array>) => {
    const exchange = await startExchange(
      undefined,
      url,
      { method: 'POST', headers: {}, body },
      { ...DEFAULT_TIMEOUTS, total: 5_000 },
      'test',
    );
    return new TextDecoder().decode(await readBody(exchange, 1 << 20, 'test'));
  };
  return { post, connections };
}

describe('the node:http transport', () => {
  it('reuses one kept-alive connection for sequential requests', async () => {
    const { post, connections } = await serve((n, _socket, end) => end(`answer ${n}`));
    for (let i = 1; i <= 5; i++) expect(await post(new Uint8Array([i]))).toBe(`answer ${i}`);
    expect(connections).toHaveLength(1);
  });

  it('sends a request again on a new connection when the pooled one was closed by the server', async () => {
    // The server closes the idle connection as the second request arrives, without reading it
    // (the race of a keep-alive timeout): the client resends the same bytes on a new connection.
    const { post, connections } = await serve((n, socket, end) =>
      n === 2 ? socket.destroy() : end(`answer ${n}`),
    );
    expect(await post(new Uint8Array([1]))).toBe('answer 1');
    expect(await post(new Uint8Array([2]))).toBe('answer 3');
    expect(connections).toHaveLength(2);
  });

  it('does not resend on a fresh connection: CLIENT_CONNECTION_CLOSED', async () => {
    const { post } = await serve((_n, socket) => socket.destroy());
    await expect(post(new Uint8Array([1]))).rejects.toMatchObject({
      code: 'CLIENT_CONNECTION_CLOSED',
      mayHaveRun: true,
    });
  });

  it('does not resend a streamed upload on a stale connection (its bytes are gone): a typed error', async () => {
    const { post } = await serve((n, socket, end) => (n === 2 ? socket.destroy() : end(`answer ${n}`)));
    expect(await post(new Uint8Array([1]))).toBe('answer 1');
    async function* body() {
      yield new Uint8Array(10);
    }
    await expect(post(body())).rejects.toMatchObject({ code: 'CLIENT_CONNECTION_CLOSED' });
  });

  it('streams an upload with backpressure: the producer runs only as far ahead as the socket takes', async () => {
    let produced = 0;
    let received = 0;
    let maxAhead = 0;
    server = createServer((req, res) => {
      // A slow reader: the socket buffers fill and the client must stop pulling pieces.
      req.on('data', (c: Buffer) => {
        received += c.length;
        maxAhead = Math.max(maxAhead, produced - received);
        req.pause();
        setTimeout(() => req.resume(), 1);
      });
      req.on('end', () => res.end('done'));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
    const piece = new Uint8Array(1 << 20);
    async function* body() {
      for (let i = 0; i < 32; i++) {
        produced += piece.length;
        yield piece;
      }
    }
    const exchange = await startExchange(
      undefined,
      url,
      { method: 'POST', headers: {}, body: body() },
      DEFAULT_TIMEOUTS,
      'test',
    );
    expect(new TextDecoder().decode(await readBody(exchange, 1024, 'test'))).toBe('done');
    expect(received).toBe(32 << 20);
    // Socket buffers on both sides hold a few MiB at most; without backpressure all 32 would be ahead.
    expect(maxAhead).toBeLessThan(12 << 20);
  });
});
