#!/usr/bin/env node
// The embedded transparency log under load, against the plain alternative on the same machine in the
// same run: one durable write (write + fdatasync) plus one ECDSA P-256 signature per entry.
//   1. sustained appends/s through the Rekor v1 HTTP API (dsse entries, durable group commit), while
//      the log grows to BLINDBOX_BENCH_ENTRIES (default 100,000) entries;
//   2. inclusion-proof latency at that size: the Merkle proof alone (read from the tile files), and a
//      full GET /api/v1/log/entries?logIndex= (proof + signed entry timestamp + HTTP);
//   3. the server's RSS at 1% and at 100% of the entries (memory stays flat: no leaf kept in memory).
// Run after a build: `npx turbo run build --filter=@blindbox/log-server... && node bench/transparency.mjs`.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { once } from 'node:events';
import {
  closeSync,
  fdatasync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// the built package (its dist/), resolved like any dependency
const dist = dirname(fileURLToPath(import.meta.resolve('@blindbox/log-server')));
const ENTRIES = Number(process.env.BLINDBOX_BENCH_ENTRIES ?? 100_000);
const CONCURRENCY = Number(process.env.BLINDBOX_BENCH_CONCURRENCY ?? 64);
const PROOF_SAMPLES = 2000;
const { LogStorage } = await import(pathToFileURL(join(dist, 'log-storage.js')).href);

const tmp = mkdtempSync(join(os.tmpdir(), 'blindbox-bench-tlog-'));
const record = Buffer.alloc(700, 1); // about one dsse entry on disk

// --- baseline: bare durable write + one ECDSA signature, as the cheapest possible "logged" entry
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
function baselineOpsPerSecond(n = 3000) {
  const fd = openSync(join(tmp, 'baseline'), 'w');
  let at = 0;
  return new Promise((resolve) => {
    const t = performance.now();
    let i = 0;
    const step = () => {
      writeSync(fd, record, 0, record.length, at);
      at += record.length;
      fdatasync(fd, () => {
        sign('sha256', record, key.privateKey);
        if (++i < n) return step();
        const seconds = (performance.now() - t) / 1000;
        closeSync(fd);
        resolve({ opsPerSecond: n / seconds, msPerOp: (seconds * 1000) / n });
      });
    };
    step();
  });
}

// --- dsse entries as `blindbox publish` sends them, signed up front so the client costs nothing
const pem = Buffer.from(key.publicKey.export({ type: 'spki', format: 'pem' })).toString('base64');
const payloadType = 'application/vnd.in-toto+json';
function dsseEntry() {
  const payload = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ digest: { sha256: randomBytes(32).toString('hex') } }],
      predicateType: 'https://blindbox.dev/release/v1',
      predicate: {
        app: 'bench',
        version: '1.0.0',
        measurements: { simulated: randomBytes(48).toString('hex') },
      },
    }),
  );
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `),
    payload,
  ]);
  const envelope = {
    payload: payload.toString('base64'),
    payloadType,
    signatures: [{ sig: sign('sha256', pae, key.privateKey).toString('base64'), keyid: '' }],
  };
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: { proposedContent: { envelope: JSON.stringify(envelope), verifiers: [pem] } },
  });
}

// --- the log server in its own process, so that its RSS is its own
const childScript = join(tmp, 'child.mjs');
writeFileSync(
  childScript,
  `import { startLogServer } from ${JSON.stringify(pathToFileURL(join(dist, 'index.js')).href)};
const log = await startLogServer({ dataDir: process.argv[2] });
process.stdout.write(JSON.stringify({ url: log.url }) + '\\n');
process.on('SIGTERM', () => log.close().then(() => process.exit(0)));
`,
);
const dataDir = join(tmp, 'log');
mkdirSync(dataDir);
const child = spawn(process.execPath, [childScript, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = await once(createInterface({ input: child.stdout }), 'line');
const { url } = JSON.parse(line);
const rssMiB = () =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;

async function appendAll(bodies) {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const res = await fetch(`${url}/api/v1/log/entries`, {
          method: 'POST',
          body,
          headers: { 'Content-Type': 'application/json' },
        });
        await res.arrayBuffer();
        if (res.status !== 201) throw new Error(`append failed: HTTP ${res.status}`);
      }
    }),
  );
  return bodies.length / ((performance.now() - t) / 1000);
}

const baselineBefore = await baselineOpsPerSecond();
process.stdout.write(
  `baseline: write + fdatasync + ECDSA sign = ${baselineBefore.msPerOp.toFixed(3)} ms (${baselineBefore.opsPerSecond.toFixed(0)}/s)\n`,
);

const warm = Math.max(1, Math.floor(ENTRIES / 100));
await appendAll(Array.from({ length: warm }, dsseEntry));
const rssAtOnePercent = rssMiB();
process.stdout.write(`${warm} entries: server RSS ${rssAtOnePercent.toFixed(1)} MiB\n`);

const rates = [];
// the machine may be shared: a short baseline right before each chunk, and the chunk's ratio to it
const chunkBaselines = [];
const rssSamples = [{ entries: warm, rssMiB: rssAtOnePercent }];
let size = warm;
const chunk = Math.max(1000, Math.floor(ENTRIES / 10));
while (size < ENTRIES) {
  const n = Math.min(chunk, ENTRIES - size);
  const bodies = Array.from({ length: n }, dsseEntry); // signed before the clock starts
  chunkBaselines.push((await baselineOpsPerSecond(500)).opsPerSecond);
  const rate = await appendAll(bodies);
  size += n;
  rates.push(rate);
  rssSamples.push({ entries: size, rssMiB: rssMiB() });
  process.stdout.write(
    `${size} entries: ${rate.toFixed(0)} appends/s (baseline ${chunkBaselines.at(-1).toFixed(0)}/s), server RSS ${rssMiB().toFixed(1)} MiB\n`,
  );
}
const sustained = rates.reduce((a, b) => a + b, 0) / rates.length;
const lastRate = rates[rates.length - 1];

// inclusion proofs over HTTP at full size (proof + SET signature + JSON + HTTP)
const httpLatencies = [];
for (let i = 0; i < PROOF_SAMPLES / 4; i++) {
  const index = Math.floor(Math.random() * size);
  const t = performance.now();
  const res = await fetch(`${url}/api/v1/log/entries?logIndex=${index}`);
  await res.json();
  httpLatencies.push(performance.now() - t);
}
const rssAtEnd = rssMiB();
child.kill('SIGTERM');
await once(child, 'exit');

// the Merkle proof alone, from the tile files of the same 100k-entry log
const storage = LogStorage.open(dataDir);
const proofLatencies = [];
for (let i = 0; i < PROOF_SAMPLES; i++) {
  const index = Math.floor(Math.random() * storage.size);
  const t = performance.now();
  storage.tree.inclusionProof(index, storage.size);
  proofLatencies.push(performance.now() - t);
}
const consistencyT = performance.now();
for (let i = 0; i < 200; i++)
  storage.tree.consistencyProof(1 + Math.floor(Math.random() * (storage.size - 1)), storage.size);
const consistencyMs = (performance.now() - consistencyT) / 200;
storage.close();

const baselineAfter = await baselineOpsPerSecond();
const baseline = { msPerOp: (baselineBefore.msPerOp + baselineAfter.msPerOp) / 2 };
baseline.opsPerSecond = 1000 / baseline.msPerOp;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

const result = {
  machine: {
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '',
    platform: `${process.platform} ${process.arch}`,
  },
  entries: size,
  concurrency: CONCURRENCY,
  baseline: {
    what: 'write 700 B + fdatasync + one ECDSA P-256 signature',
    msPerOp: baseline.msPerOp,
    opsPerSecond: baseline.opsPerSecond,
    before: baselineBefore,
    after: baselineAfter,
  },
  appends: {
    what: 'POST /api/v1/log/entries (dsse, signature verified, fdatasync before signing, SET + checkpoint signed, inclusion proof returned)',
    sustainedPerSecond: sustained,
    lastChunkPerSecond: lastRate,
    perChunk: rates,
    ratioVsBaseline: sustained / baseline.opsPerSecond,
    baselinePerChunk: chunkBaselines,
    // median over chunks of (appends/s ÷ the baseline measured just before that chunk)
    medianChunkRatio: median(rates.map((rate, i) => rate / chunkBaselines[i])),
  },
  inclusionProof: {
    atEntries: size,
    merkleOnly: {
      medianMs: median(proofLatencies),
      p90Ms: p90(proofLatencies),
      ratioVsBaseline: median(proofLatencies) / baseline.msPerOp,
    },
    httpGetEntry: {
      medianMs: median(httpLatencies),
      p90Ms: p90(httpLatencies),
      ratioVsBaseline: median(httpLatencies) / baseline.msPerOp,
    },
    consistencyProofMeanMs: consistencyMs,
  },
  memory: {
    serverRssMiB: rssSamples,
    atOnePercent: rssAtOnePercent,
    atTenPercent: rssSamples[1]?.rssMiB ?? rssAtOnePercent,
    atEnd: rssAtEnd,
    // from 1 % the runtime is still warming up (JIT, buffers); from 10 % on, growth would be per entry
    growthRatio: rssAtEnd / rssAtOnePercent,
    growthRatioFromTenPercent: rssAtEnd / (rssSamples[1]?.rssMiB ?? rssAtOnePercent),
  },
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'transparency.json'), `${JSON.stringify(result, null, 2)}\n`);
rmSync(tmp, { recursive: true, force: true });

const r = (x) => x.toFixed(2);
process.stdout.write(`
transparency log at ${size} entries (${result.machine.cpus} CPUs, ${result.machine.node})
  baseline (write + fdatasync + ECDSA sign):  ${r(baseline.msPerOp)} ms/op = ${baseline.opsPerSecond.toFixed(0)} ops/s
  sustained appends (HTTP, durable):         ${sustained.toFixed(0)}/s  → ${r(result.appends.ratioVsBaseline)}× baseline throughput (median per-chunk ratio ${r(result.appends.medianChunkRatio)}×)
  inclusion proof, Merkle only:              median ${r(result.inclusionProof.merkleOnly.medianMs)} ms → ${r(result.inclusionProof.merkleOnly.ratioVsBaseline)}× baseline latency
  inclusion proof, GET entry over HTTP:      median ${r(result.inclusionProof.httpGetEntry.medianMs)} ms → ${r(result.inclusionProof.httpGetEntry.ratioVsBaseline)}× baseline latency
  server RSS: ${r(rssAtOnePercent)} MiB at ${warm} entries, ${r(result.memory.atTenPercent)} MiB at ${rssSamples[1]?.entries ?? warm}, ${r(rssAtEnd)} MiB at ${size} (×${r(result.memory.growthRatioFromTenPercent)} from 10 %)
  wrote bench/results/transparency.json
`);
