import type { ConnectOptions } from '@blindbox/client';
// Issue 8 item 7: the enclave restarts (killed, started again on the same port with a new key)
// while 100 clients are making calls. Each client's calls get their own reply or a typed,
// retryable error, never a wrong or lost one; after the restart the clients re-attest and go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOutcomes, type ServerProcess, startServer, trust, wellBehavedClient } from './load-clients.js';

let server: ServerProcess;
let simRootDir: string;
let connectOptions: ConnectOptions;

beforeAll(async () => {
  const t = await trust();
  simRootDir = t.simRootDir;
  connectOptions = t.connectOptions;
  server = await startServer({ simRootDir, limits: { maxEvidenceQueued: 256 } });
}, 60_000);
afterAll(async () => server?.stop());

describe('a restart during a burst', () => {
  it('costs each call at most a typed retryable error; the clients re-attest and continue', async () => {
    const outcomes = newOutcomes();
    const port = server.port;
    const burst = Promise.all(
      Array.from({ length: 100 }, (_, id) => wellBehavedClient(server.url, connectOptions, id, 30, outcomes)),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    await server.stop(); // SIGKILL: the key and every session are gone
    await new Promise((r) => setTimeout(r, 300));
    server = await startServer({ simRootDir, port, limits: { maxEvidenceQueued: 256 } });
    await burst;
    console.log(
      `100 clients × 30 calls across a restart: ok ${outcomes.ok}, retryable ${outcomes.retryable}`,
    );
    expect(outcomes.wrong).toEqual([]);
    expect(outcomes.lost).toEqual([]);
    expect(outcomes.ok + outcomes.retryable).toBe(100 * 30);
    expect(outcomes.ok).toBeGreaterThanOrEqual(0.95 * 100 * 30);
  }, 120_000);
});
