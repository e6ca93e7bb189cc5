import type { ConnectOptions } from '@blindbox/client';
// Issue 8 item 7: 1,000 concurrent clients against one enclave process on loopback, each attesting
// and making calls. Every call gets its own reply or a typed, retryable error; none gets a wrong
// reply, none is lost, none sees a connection reset (about 3 % did before: a keep-alive race and
// the accept backlog, docs/runtime-limits.md). Prints the server's peak RSS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOutcomes, type ServerProcess, startServer, trust, wellBehavedClient } from './load-clients.js';

let server: ServerProcess;
let connectOptions: ConnectOptions;

beforeAll(async () => {
  const t = await trust();
  connectOptions = t.connectOptions;
  // The queue must hold a burst of first connections; beyond it clients get 503 and retry.
  server = await startServer({ simRootDir: t.simRootDir, limits: { maxEvidenceQueued: 256 } });
}, 60_000);
afterAll(async () => server?.stop());

describe('1,000 concurrent clients', () => {
  it('each attest and make 3 calls: every reply right, or a typed retryable error', async () => {
    const outcomes = newOutcomes();
    const started = Date.now();
    const idle = await server.rss();
    await Promise.all(
      Array.from({ length: 1000 }, (_, id) => wellBehavedClient(server.url, connectOptions, id, 3, outcomes)),
    );
    const memory = await server.rss();
    console.log(
      `1000 clients × 3 calls in ${Date.now() - started} ms: ok ${outcomes.ok}, retryable ${outcomes.retryable}; server RSS ${Math.round(idle.now / 2 ** 20)} → peak ${Math.round(memory.peak / 2 ** 20)} MiB`,
    );
    expect(outcomes.wrong).toEqual([]);
    expect(outcomes.lost).toEqual([]);
    // Retries absorb the shedding: nearly every call gets through.
    expect(outcomes.ok).toBeGreaterThanOrEqual(0.99 * 3000);
    expect(memory.peak).toBeLessThan(1024 * 2 ** 20);
  }, 170_000);
});
