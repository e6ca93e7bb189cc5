// One large-body transfer in its own process, so that bench/channel.mjs can measure this client's
// peak RSS on its own. argv[2] = JSON { system: 'blindbox' | 'plain', direction: 'up' | 'down',
// size, url, connectOptions }; 'plain' uses fetch, 'plain-http' node:http. Prints one JSON line { ms, rssIdle, rssPeak, bytes }.
import { Agent, request } from 'node:http';
import { connect } from '@blindbox/client';

const { system, direction, size, url, connectOptions } = JSON.parse(process.argv[2]);
const PIECE = 256 * 1024;
const filler = new Uint8Array(PIECE).fill(7);
async function* produce(length) {
  for (let sent = 0; sent < length; sent += PIECE) yield filler.subarray(0, Math.min(PIECE, length - sent));
}
const toStream = (iterable) => {
  const it = iterable[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
};

// process.memoryUsage.rss() reads the RSS alone; process.memoryUsage() also walks the V8 heap, and
// every 5 ms that cost this process about 5 % of its CPU (a client profile, issue 8).
const rss = () => process.memoryUsage.rss();
let peak = 0;
const sample = setInterval(() => {
  peak = Math.max(peak, rss());
}, 5);

const agent = new Agent({ keepAlive: true });
/** A plain node:http exchange: writes `body` (an async iterable, with backpressure), returns the response. */
function httpExchange(path, method, body) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent }, resolve);
    req.on('error', reject);
    if (body === undefined) return req.end();
    (async () => {
      for await (const piece of body) {
        if (!req.write(piece)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(reject);
  });
}
async function jsonOf(res) {
  const chunks = [];
  for await (const c of res) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

let session;
if (system === 'plain-http') {
  await jsonOf(await httpExchange('/echo', 'POST', [Buffer.from(JSON.stringify({ text: 'warm' }))]));
} else if (system === 'blindbox') {
  session = await connect(url, connectOptions);
  await session.call('echo', { text: 'warm' });
} else {
  await fetch(`${url}/echo`, { method: 'POST', body: JSON.stringify({ text: 'warm' }) }).then((r) =>
    r.text(),
  );
}
const rssIdle = rss();
peak = rssIdle;
const started = performance.now();
let bytes = 0;
if (system === 'blindbox' && direction === 'up') {
  const out = await session.call('upload', { data: produce(size) });
  bytes = out.length;
} else if (system === 'blindbox') {
  const out = await session.call('download', { length: size }, { streamOutput: true });
  for await (const piece of out.data) bytes += piece.length;
} else if (system === 'plain-http' && direction === 'up') {
  bytes = (await jsonOf(await httpExchange('/upload', 'POST', produce(size)))).length;
} else if (system === 'plain-http') {
  for await (const piece of await httpExchange(`/download/${size}`, 'GET')) bytes += piece.length;
} else if (direction === 'up') {
  const res = await fetch(`${url}/upload`, { method: 'POST', body: toStream(produce(size)), duplex: 'half' });
  bytes = (await res.json()).length;
} else {
  const res = await fetch(`${url}/download/${size}`);
  for await (const piece of res.body) bytes += piece.length;
}
const ms = performance.now() - started;
clearInterval(sample);
peak = Math.max(peak, rss());
if (bytes !== size) {
  console.error(`${system} ${direction}: moved ${bytes} bytes, expected ${size}`);
  process.exit(1);
}
console.log(JSON.stringify({ ms, rssIdle, rssPeak: peak, bytes }));
process.exit(0);
