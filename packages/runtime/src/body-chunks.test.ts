import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyChunks } from './body-chunks.js';

const MiB = 1024 * 1024;
let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A loopback server handing each request to `handle`; resolves to its port. */
async function serve(handle: (req: IncomingMessage) => Promise<unknown>): Promise<number> {
  const created = createServer((req, res) => {
    handle(req).then(
      (out) => res.end(JSON.stringify(out)),
      (err) => {
        res.statusCode = 500;
        res.end(String(err));
      },
    );
  });
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return (created.address() as AddressInfo).port;
}

/** Posts `total` bytes (a counter pattern) in 16 KiB writes; resolves to the answer's JSON. */
function post(port: number, total: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/' }, (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    let sent = 0;
    const more = (): void => {
      while (sent < total) {
        const piece = new Uint8Array(Math.min(16 * 1024, total - sent)).map((_, i) => (sent + i) % 251);
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', more);
      }
      req.end();
    };
    more();
  });
}

const digest = (total: number): string =>
  createHash('sha256')
    .update(new Uint8Array(total).map((_, i) => i % 251))
    .digest('hex');

const options = { limit: 64 * MiB, idleTimeoutMs: 30_000 };

/** Resolves once `read()` stayed the same for `quietMs` (the sender is held back). */
async function settled(read: () => number, quietMs = 150): Promise<number> {
  let last = read();
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = read();
    if (now === last) return now;
    last = now;
  }
}

describe('bodyChunks (the streamed request body)', () => {
  it('delivers every byte in order while it reads ahead of its consumer', async () => {
    const port = await serve(async (req) => {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const piece of bodyChunks(req, options)) {
        hash.update(piece);
        bytes += piece.length;
      }
      return { bytes, digest: hash.digest('hex') };
    });
    expect(await post(port, 3 * MiB + 5)).toEqual({ bytes: 3 * MiB + 5, digest: digest(3 * MiB + 5) });
  });

  it('stops reading the socket once a bounded read-ahead is queued, and reads on when consumed', async () => {
    let heldAt = 0;
    const port = await serve(async (req) => {
      const chunks = bodyChunks(req, options);
      const first = await chunks.next();
      // The consumer works on its first piece for as long as the sender keeps being read.
      heldAt = await settled(() => req.socket.bytesRead);
      let bytes = first.value?.length ?? 0;
      for await (const piece of chunks) bytes += piece.length;
      return { bytes };
    });
    expect(await post(port, 8 * MiB)).toEqual({ bytes: 8 * MiB });
    // The kernel's socket buffers hold the rest: the server took less than 1 MiB of the 8 unread.
    expect(heldAt).toBeGreaterThan(0);
    expect(heldAt).toBeLessThan(MiB);
  });
});
