// The server side of bench/channel.mjs and of the load and fault tests (test/e2e/src/load-*.test.ts):
// one process serving either the BlindBox enclave runtime with a small app (`blindbox` mode) or a
// plain Node http server doing the same work (`plain` mode), so that the two are measured alike.
// Bundled with esbuild at start (it lowers the decorators); run with fork() and configured by
// argv[2] = JSON { mode, port, simRootDir, limits }. Reports { type: 'ready', url } and answers
// { type: 'rss' } with the peak RSS since the previous question.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { encodeSimulatedReportBody } from '@blindbox/attestation/internal';
import { startEnclaveServer } from '@blindbox/runtime';
import { loadSimRoot } from '@blindbox/runtime/simulator';
import { enclave, endpoint } from '@blindbox/sdk';

const config = JSON.parse(process.argv[2] ?? '{}');

/** The work both servers do: echo a text, count an upload, produce a download. */
@enclave({ name: 'bench' })
class Bench {
  @endpoint()
  async echo(req) {
    return { text: req.text };
  }
  @endpoint()
  async digest(req) {
    return { length: req.data.length, first: req.data[0] ?? 0 };
  }
  @endpoint()
  async upload(req) {
    let length = 0;
    for await (const piece of req.data) length += piece.length;
    return { length };
  }
  @endpoint()
  async download(req) {
    return { data: produce(req.length) };
  }
  @endpoint()
  async slow(req) {
    await new Promise((resolve) => setTimeout(resolve, req.ms));
    return { ms: req.ms };
  }
}

const PIECE = 256 * 1024;
const filler = new Uint8Array(PIECE).fill(7);
/** `length` bytes of 7, in pieces (never held whole). */
async function* produce(length) {
  for (let sent = 0; sent < length; sent += PIECE) yield filler.subarray(0, Math.min(PIECE, length - sent));
}

const closed = (properties) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});
const number = { type: 'number' };
export const manifest = {
  manifestVersion: 1,
  app: { name: 'bench', version: '1.0.0' },
  enclave: { className: 'Bench', module: 'bench/channel-enclave.mjs' },
  endpoints: [
    {
      name: 'digest',
      input: closed({ data: { 'x-blindbox-type': 'bytes' } }),
      output: closed({ length: number, first: number }),
      source: 'b:1:1',
      limits: { maxInputBytes: 1024 * 1024 * 1024 },
    },
    {
      name: 'download',
      input: closed({ length: number }),
      output: closed({ data: { 'x-blindbox-type': 'stream' } }),
      source: 'b:2:1',
      limits: { maxOutputBytes: 1024 * 1024 * 1024 },
    },
    {
      name: 'echo',
      input: closed({ text: { type: 'string' } }),
      output: closed({ text: { type: 'string' } }),
      source: 'b:3:1',
      idempotent: true,
    },
    { name: 'slow', input: closed({ ms: number }), output: closed({ ms: number }), source: 'b:4:1' },
    {
      name: 'upload',
      input: closed({ data: { 'x-blindbox-type': 'stream' } }),
      output: closed({ length: number }),
      source: 'b:5:1',
      limits: { maxInputBytes: 1024 * 1024 * 1024 },
    },
  ],
};

/** The measurement the simulated reports carry (the client pins it). */
export const MEASUREMENT = createHash('sha384').update('blindbox bench').digest();

// The RSS alone (process.memoryUsage() also walks the V8 heap: a cost in the measured process).
const rss = () => process.memoryUsage.rss();
let peak = 0;
setInterval(() => {
  peak = Math.max(peak, rss());
}, 10).unref();
process.on('message', (message) => {
  if (message?.type === 'rss') {
    process.send?.({
      type: 'rss',
      peak: Math.max(peak, rss()),
      now: rss(),
    });
    peak = 0;
  }
});
process.on('disconnect', () => process.exit(0));

if (config.mode === 'plain') {
  startPlain(config.port ?? 0);
} else {
  startBlindbox(config);
}

async function startBlindbox({ port = 0, simRootDir, limits = {} }) {
  const root = loadSimRoot(simRootDir);
  const provider = {
    platform: 'simulated',
    async getEvidence(reportData) {
      const body = encodeSimulatedReportBody({
        debug: false,
        timestamp: new Date(),
        measurement: MEASUREMENT,
        reportData,
        signerKeyId: root.keyId,
      });
      const out = new Uint8Array(body.length + 64);
      out.set(body);
      out.set(root.sign(body), body.length);
      return { evidence: out };
    },
  };
  const server = await startEnclaveServer({
    manifest,
    instance: new Bench(),
    provider,
    port,
    host: '127.0.0.1',
    limits,
  });
  process.send?.({ type: 'ready', url: server.url, port: server.port });
}

/** A plain server doing the same work over JSON (small calls) and raw bodies (large ones). */
function startPlain(port) {
  const server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    if (path === '/echo') {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const { text } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text }));
    } else if (path === '/upload') {
      let length = 0;
      for await (const c of req) length += c.length;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ length }));
    } else if (path.startsWith('/download/')) {
      const length = Number(path.slice('/download/'.length));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(length) });
      for await (const piece of produce(length)) {
        if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  server.keepAliveTimeout = 65_000;
  server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => {
    process.send?.({
      type: 'ready',
      url: `http://127.0.0.1:${server.address().port}`,
      port: server.address().port,
    });
  });
}
