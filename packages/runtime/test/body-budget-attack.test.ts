// Issue 8, "Starving the body budget": four connections each sending 32 MiB minus one byte, then
// stalling, made 634 of 712 legitimate calls get 503 for about two minutes. Stalled bodies are
// now dropped after a short idle timeout, each client has its own share of the budget, and small
// calls draw from a reserve that large uploads cannot touch.

import type { Socket } from 'node:net';
import { CALL_CONTENT_TYPE, CALL_PATH, generateServerKey } from '@blindbox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnclaveServer, startEnclaveServer } from '../src/enclave-server.js';
import {
  closedWithin,
  countingProvider,
  Echo,
  echoCall,
  manifest,
  postSealed,
  rawConnect,
  sealCall,
} from './echo-enclave.js';

const MiB = 1024 * 1024;
const key = await generateServerKey();
let server: EnclaveServer;

beforeAll(async () => {
  server = await startEnclaveServer({
    manifest,
    instance: new Echo(),
    provider: countingProvider(),
    port: 0,
    key,
    maxBodyBytes: MiB,
    limits: { bodyIdleTimeoutMs: 400 },
  });
});
afterAll(async () => server.close(0));

/** Starts an upload of `declared` bytes, sends all but `held` of them, and stalls. */
async function stalledUpload(
  from: string,
  declared: number,
  held = 1,
): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = await rawConnect(server, from);
  let text = '';
  socket.on('data', (d) => {
    text += d.toString('latin1');
  });
  socket.on('error', () => {});
  socket.write(
    `POST ${CALL_PATH} HTTP/1.1\r\nhost: x\r\ncontent-type: ${CALL_CONTENT_TYPE}\r\ncontent-length: ${declared}\r\n\r\n`,
  );
  socket.write(new Uint8Array(declared - held));
  const answer = closedWithin(socket, 5_000).then((state) =>
    state === 'open' ? 'still open' : (text.split('\r\n')[0] ?? ''),
  );
  return { socket, answer };
}

describe('uploads that stall just under the body limit', () => {
  it('do not starve small calls, are answered 503 or 408 within the idle timeout, and free the budget', async () => {
    const attackers = await Promise.all([0, 1, 2, 3].map(() => stalledUpload('127.0.0.2', MiB - 1)));
    await new Promise((r) => setTimeout(r, 100));
    // Small calls from another address keep flowing while the stalled uploads are held.
    const started = Date.now();
    const results = [];
    for (let batch = 0; batch < 5; batch++) {
      results.push(
        ...(await Promise.all(Array.from({ length: 20 }, (_, i) => echoCall(server, key, `${batch}-${i}`)))),
      );
    }
    expect(results.every((r) => r.status === 200 && r.response?.ok)).toBe(true);
    // Before, most got 503 for two minutes; now they are served as fast as the machine allows.
    expect(Date.now() - started).toBeLessThan(10_000);
    // A large call from another client fits too: one address holds at most its own share.
    const big = await postSealed(server, await sealCall(key, 'digest', { data: new Uint8Array(MiB / 2) }));
    expect(big).toEqual({ status: 200, response: { ok: true, output: { length: MiB / 2 } } });
    const answers = await Promise.all(attackers.map((a) => a.answer));
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 (503|408) /);
    expect(answers.some((a) => a.includes('408'))).toBe(true);
    for (const a of attackers) a.socket.destroy();
    // Everything is given back once the stalled uploads are gone.
    expect(server.stats().bodyBytesHeld).toEqual({ large: 0, small: 0 });
  });

  it('closes a connection whose headers trickle in slower than the header timeout', async () => {
    const slow = await startEnclaveServer({
      manifest,
      instance: new Echo(),
      provider: countingProvider(),
      port: 0,
      key,
      limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckIntervalMs: 100 },
    });
    try {
      const socket = await rawConnect(slow);
      socket.on('error', () => {});
      socket.on('data', () => {});
      socket.write(`POST ${CALL_PATH} HTTP/1.1\r\n`);
      const trickle = setInterval(() => socket.write('x-pad: 1\r\n'), 50);
      const state = await closedWithin(socket, 2_000);
      clearInterval(trickle);
      expect(state).toBe('closed');
    } finally {
      await slow.close(0);
    }
  });
});
