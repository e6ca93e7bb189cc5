// Security review of issue 8, "starving the body budget", second form: bodies that never stall
// (one byte every 200 ms, under the idle timeout) but never finish either. 52 such uploads of
// 64 KiB from one address held the whole small-call reserve (16 MiB at 5 bytes per body byte)
// until the 600 s request timeout: every small call of every other client got 503. A body must
// now arrive at a minimum average rate once its grace period is over.
import type { Socket } from 'node:net';
import { CALL_CONTENT_TYPE, CALL_PATH, generateServerKey } from '@blindbox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnclaveServer, startEnclaveServer } from '../src/enclave-server.js';
import { closedWithin, countingProvider, Echo, echoCall, manifest, rawConnect } from './echo-enclave.js';

const key = await generateServerKey();
let server: EnclaveServer;

beforeAll(async () => {
  server = await startEnclaveServer({
    manifest,
    instance: new Echo(),
    provider: countingProvider(),
    port: 0,
    key,
    limits: { bodyIdleTimeoutMs: 1_000, bodyRateGraceMs: 600 },
  });
});
afterAll(async () => server.close(0));

/** An upload of `declared` bytes that sends one byte every 200 ms, forever (until closed). */
async function trickle(declared: number): Promise<{ socket: Socket; stop: () => void }> {
  const socket = await rawConnect(server, '127.0.0.2');
  socket.on('error', () => {});
  socket.write(
    `POST ${CALL_PATH} HTTP/1.1\r\nhost: x\r\ncontent-type: ${CALL_CONTENT_TYPE}\r\ncontent-length: ${declared}\r\n\r\n\x01`,
  );
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(new Uint8Array(1));
  }, 200);
  socket.once('close', () => clearInterval(timer));
  const stop = () => {
    clearInterval(timer);
    socket.destroy();
  };
  return { socket, stop };
}

describe('uploads trickled below the idle timeout', () => {
  it('cannot hold the small-call reserve: they are dropped and small calls keep flowing', async () => {
    const attackers = await Promise.all(Array.from({ length: 60 }, () => trickle(64 * 1024)));
    try {
      await new Promise((r) => setTimeout(r, 300));
      // Within the grace period the attack holds the reserve (what it achieved for 600 s before).
      expect(server.stats().bodyBytesHeld.small).toBeGreaterThan(15 * 1024 * 1024);
      // After it (600 ms) and one more trickled byte, each attacker is too slow and dropped.
      const states = await Promise.all(attackers.map((a) => closedWithin(a.socket, 4_000)));
      expect(states.filter((s) => s === 'closed').length).toBe(attackers.length);
      expect(server.stats().bodyBytesHeld.small).toBe(0);
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) => echoCall(server, key, `small ${i}`)),
      );
      expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    } finally {
      for (const a of attackers) a.stop();
    }
  });
});
