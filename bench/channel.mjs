#!/usr/bin/env node
// The sealed channel against plain HTTP, on loopback, in the same run, interleaved (issue: "the
// sealed channel at the speed of plain HTTP"). Servers and large-body clients run as separate
// processes (bench/channel-enclave.mjs, bench/channel-client.mjs); this process is the small-call
// client. Prints ratios (ours / plain) and writes bench/results/channel.json.
//
//   node bench/channel.mjs [--quick]      (--quick: fewer rounds and no 500 MiB bodies)
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@blindbox/client';
import { benchTrust, startServerProcess } from './channel-processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const MiB = 1024 * 1024;
const results = { node: process.version, quick, at: new Date().toISOString() };
const trust = await benchTrust();

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ratio = (ours, plain) => Number((ours / plain).toFixed(3));

let ours = await startServerProcess({ mode: 'blindbox', simRootDir: trust.simRootDir });
const plain = await startServerProcess({ mode: 'plain' });
const session = await connect(ours.url, trust.connectOptions);

const callOurs = () => session.call('echo', { text: 'hello, enclave' });
const callPlain = () =>
  fetch(`${plain.url}/echo`, {
    method: 'POST',
    redirect: 'error',
    body: JSON.stringify({ text: 'hello, enclave' }),
  }).then((r) => r.json());

// Warm both (JIT, connection pools).
for (let i = 0; i < 200; i++) {
  await callOurs();
  await callPlain();
}

// ---- small-call latency, one in flight, interleaved rounds
{
  const rounds = quick ? 3 : 8;
  const perRound = 250;
  const lat = { ours: [], plain: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of [
      ['ours', callOurs],
      ['plain', callPlain],
    ]) {
      for (let i = 0; i < perRound; i++) {
        const t = performance.now();
        await fn();
        lat[name].push(performance.now() - t);
      }
    }
  }
  results.latency = {
    oursP50: percentile(lat.ours, 50),
    oursP99: percentile(lat.ours, 99),
    plainP50: percentile(lat.plain, 50),
    plainP99: percentile(lat.plain, 99),
  };
  results.latency.p50Ratio = ratio(results.latency.oursP50, results.latency.plainP50);
  results.latency.p99Ratio = ratio(results.latency.oursP99, results.latency.plainP99);
}

// ---- throughput at 1, 32, 256 in flight, interleaved
async function throughput(fn, inFlight, total) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        next++;
        await fn();
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}
results.throughput = {};
for (const inFlight of [1, 32, 256]) {
  const total = quick ? 1000 : 3000;
  const samples = { ours: [], plain: [] };
  for (let r = 0; r < (quick ? 2 : 3); r++) {
    samples.ours.push(await throughput(callOurs, inFlight, total));
    samples.plain.push(await throughput(callPlain, inFlight, total));
  }
  const o = percentile(samples.ours, 50);
  const p = percentile(samples.plain, 50);
  results.throughput[inFlight] = {
    oursPerSecond: Math.round(o),
    plainPerSecond: Math.round(p),
    ratio: ratio(o, p),
  };
}

// ---- large bodies each way: a client process per transfer (its own RSS), the server's RSS too
function runClient(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'channel-client.mjs'), JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`client exited ${code}`)),
    );
  });
}
results.bodies = [];
// One transfer takes a few hundred ms on a shared 2-core machine, where one sample swings by 2x:
// each size and direction runs several rounds, ours and plain interleaved; the row reports the
// median throughput and the largest RSS growth seen.
const bodyRounds = (mib) => (mib >= 500 ? 1 : quick ? 3 : 5);
for (const mib of quick ? [1, 10, 50] : [1, 10, 50, 500]) {
  for (const direction of ['up', 'down']) {
    const samples = { ours: [], plain: [] };
    for (let round = 0; round < bodyRounds(mib); round++) {
      for (const [name, server] of [
        ['ours', ours],
        ['plain', plain],
      ]) {
        const idle = (await server.rss()).now;
        const client = await runClient({
          system: name === 'ours' ? 'blindbox' : 'plain',
          direction,
          size: mib * MiB,
          url: server.url,
          connectOptions: trust.connectOptions,
        });
        const serverPeak = (await server.rss()).peak;
        samples[name].push({
          ms: client.ms,
          clientRssGrowth: client.rssPeak - client.rssIdle,
          serverRssGrowth: serverPeak - idle,
        });
      }
    }
    const row = { mib, direction, rounds: bodyRounds(mib) };
    for (const name of ['ours', 'plain']) {
      const ms = percentile(
        samples[name].map((s) => s.ms),
        50,
      );
      row[name] = {
        ms: Math.round(ms),
        mibPerSecond: Number(((mib * 1000) / ms).toFixed(1)),
        mibPerSecondAll: samples[name].map((s) => Number(((mib * 1000) / s.ms).toFixed(1))),
        clientRssGrowthMiB: Math.round(Math.max(...samples[name].map((s) => s.clientRssGrowth)) / MiB),
        serverRssGrowthMiB: Math.round(Math.max(...samples[name].map((s) => s.serverRssGrowth)) / MiB),
      };
    }
    row.throughputRatio = ratio(row.ours.mibPerSecond, row.plain.mibPerSecond);
    results.bodies.push(row);
  }
}

// ---- first call (attest + verify + first result) against one plain round trip
{
  const first = [];
  const plainTrip = [];
  for (let i = 0; i < (quick ? 5 : 15); i++) {
    let t = performance.now();
    const fresh = await connect(ours.url, trust.connectOptions);
    await fresh.call('echo', { text: 'first' });
    first.push(performance.now() - t);
    t = performance.now();
    await callPlain();
    plainTrip.push(performance.now() - t);
  }
  results.firstCall = { oursMs: percentile(first, 50), plainRoundTripMs: percentile(plainTrip, 50) };
  results.firstCall.ratio = ratio(results.firstCall.oursMs, results.firstCall.plainRoundTripMs);
}

// ---- re-connect after a server restart: the next call re-attests (new key) and succeeds
{
  const port = ours.port;
  await session.call('echo', { text: 'before' });
  await ours.stop();
  const restartedAt = performance.now();
  ours = await startServerProcess({ mode: 'blindbox', port, simRootDir: trust.simRootDir });
  const up = performance.now();
  await session.call('echo', { text: 'after' }); // echo is idempotent: the client re-attests and resends
  results.reconnect = {
    serverStartMs: Math.round(up - restartedAt),
    firstCallAfterRestartMs: Math.round(performance.now() - up),
  };
}

await ours.stop();
await plain.stop();

// ---- report
const l = results.latency;
const t32 = results.throughput[32];
const b50 = results.bodies.filter((b) => b.mib === 50);
results.targets = {
  'small call p50 <= 1.3x plain': l.p50Ratio <= 1.3,
  'throughput at 32 in flight >= 0.7x plain': t32.ratio >= 0.7,
  '50 MiB >= 0.8x plain throughput (both ways)': b50.every((b) => b.throughputRatio >= 0.8),
  '50 MiB client and server RSS growth < 64 MiB': b50.every(
    (b) => b.ours.clientRssGrowthMiB < 64 && b.ours.serverRssGrowthMiB < 64,
  ),
  'first call <= 3x one plain round trip': results.firstCall.ratio <= 3,
};
console.log(
  `small call p50 ${l.oursP50.toFixed(2)} ms vs ${l.plainP50.toFixed(2)} ms plain: ${l.p50Ratio}x (p99 ${l.p99Ratio}x)`,
);
for (const [n, t] of Object.entries(results.throughput)) {
  console.log(
    `throughput at ${n} in flight: ${t.oursPerSecond}/s vs ${t.plainPerSecond}/s plain: ${t.ratio}x`,
  );
}
for (const b of results.bodies) {
  console.log(
    `${String(b.mib).padStart(3)} MiB ${b.direction.padEnd(4)} ${b.ours.mibPerSecond} MiB/s vs ${b.plain.mibPerSecond} plain: ${b.throughputRatio}x (median of ${b.rounds}); RSS growth client ${b.ours.clientRssGrowthMiB} (plain ${b.plain.clientRssGrowthMiB}) MiB, server ${b.ours.serverRssGrowthMiB} (plain ${b.plain.serverRssGrowthMiB}) MiB`,
  );
}
console.log(
  `first call ${results.firstCall.oursMs.toFixed(1)} ms vs one plain round trip ${results.firstCall.plainRoundTripMs.toFixed(2)} ms: ${results.firstCall.ratio}x`,
);
console.log(
  `after a restart: server up in ${results.reconnect.serverStartMs} ms, first call ${results.reconnect.firstCallAfterRestartMs} ms`,
);
for (const [name, ok] of Object.entries(results.targets))
  console.log(`${ok ? 'met    ' : 'MISSED '} ${name}`);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'channel.json'), `${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
