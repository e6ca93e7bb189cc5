// Issue 8, "Stall by decoding": one sealed call whose CBOR input held 30 million empty maps (28.6
// MiB) blocked the event loop for about 60 s. The runtime now bounds the items of a request by what
// the app's schemas allow, so the decoder refuses it after a few dozen items.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CALL_CONTENT_TYPE, CALL_PATH, generateServerKey } from '@blindbox/protocol';
import { encodeCbor } from '@blindbox/protocol/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnclaveServer, startEnclaveServer } from '../src/enclave-server.js';
import { countingProvider, Echo, manifest } from './echo-enclave.js';
import { sealRawPlaintext } from './seal-raw-plaintext.js';

const key = await generateServerKey();
let server: EnclaveServer;

beforeAll(async () => {
  server = await startEnclaveServer({
    manifest,
    instance: new Echo(),
    provider: countingProvider(),
    port: 0,
    key,
  });
});
afterAll(async () => server.close(0));

/** The CBOR of `{endpoint, requestId, sentAt, input: [ {} × count ]}`, built as bytes (cheap). */
function emptyMapsRequest(count: number): Uint8Array {
  const prefix = encodeCbor({ endpoint: 'echo', requestId: 'bomb', sentAt: Date.now() });
  // The prefix is a map of 3 (0xa3): make it 4 and append "input": array(count) of 0xa0.
  const head = Buffer.from(prefix);
  head[0] = 0xa4;
  const key = Buffer.from(encodeCbor('input'));
  const arrayHead = Buffer.alloc(5);
  arrayHead[0] = 0x9a;
  arrayHead.writeUInt32BE(count, 1);
  return new Uint8Array(Buffer.concat([head, key, arrayHead, Buffer.alloc(count, 0xa0)]));
}

/**
 * POSTs `body` `times` times at once from another process, so that the event-loop delay measured
 * here is the server's alone (not the sending client's).
 */
async function postFromChild(body: Uint8Array, times: number): Promise<number[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'bb-bomb-')), 'body');
  writeFileSync(file, body);
  const script = `
    const body = require('node:fs').readFileSync(process.argv[1]);
    const post = () => fetch(process.argv[2], { method: 'POST', headers: { 'content-type': process.argv[3] }, body })
      .then(async (r) => { await r.arrayBuffer(); return r.status; });
    Promise.all(Array.from({ length: Number(process.argv[4]) }, post)).then((s) => console.log(JSON.stringify(s)));`;
  const child = spawn(
    process.execPath,
    ['-e', script, file, new URL(CALL_PATH, server.url).href, CALL_CONTENT_TYPE, String(times)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dirname(file), { recursive: true, force: true });
  return JSON.parse(out) as number[];
}

async function post(body: Uint8Array): Promise<number> {
  const res = await fetch(new URL(CALL_PATH, server.url), {
    method: 'POST',
    headers: { 'content-type': CALL_CONTENT_TYPE },
    body: body as Uint8Array<ArrayBuffer>,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('a sealed call whose input is 30 million empty maps', () => {
  it('is refused without blocking the event loop', async () => {
    // The helper is right: an ordinary plaintext sealed by it opens and runs.
    const ok = sealRawPlaintext(
      key,
      encodeCbor({ endpoint: 'echo', requestId: 'x', sentAt: Date.now(), input: { text: 'hi' } }),
    );
    expect(await post(ok)).toBe(200);
    const bomb = sealRawPlaintext(key, emptyMapsRequest(30_000_000));
    expect(bomb.length).toBeGreaterThan(28 * 1024 * 1024);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const started = performance.now();
    const statuses = await postFromChild(bomb, 4);
    const elapsed = performance.now() - started;
    delay.disable();
    // A content-free 400 (the plaintext is over the item bound); one client holds at most two
    // bodies this size at once (its share of the body budget), so some may get a 503 instead.
    expect(statuses.every((s) => s === 400 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThanOrEqual(2);
    const maxMs = delay.max / 1e6;
    console.log(`4 × 30M empty maps: ${elapsed.toFixed(0)} ms, event loop delay max ${maxMs.toFixed(1)} ms`);
    // Before: about 60 s per body with the loop blocked throughout. What remains is copying and
    // authenticating 28.6 MiB of ciphertext (tens of ms on an idle machine); the bound is loose
    // because CI machines run other work on the same cores, which delays the loop too.
    expect(maxMs).toBeLessThan(2_000);
    expect(elapsed).toBeLessThan(10_000);
  });
});
