import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { hexDecode as fromHex, hexEncode as toHex } from '@blindbox/bytes';
import {
  hashLeaf,
  parseCheckpoint,
  parseSignedNote,
  verifyConsistencyProof,
  verifySignedNote,
} from '@blindbox/transparency/internal';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateLogKeys } from '../src/log-keys.js';
import { tempDir } from './fixtures.js';
import { dsseEntry } from './rekor-requests.js';

// The log server runs as a real child process (bundled from source with esbuild) so that SIGKILL
// hits it in the middle of whatever it is doing: parsing, fsync, hashing, signing, answering.

interface Acked {
  logIndex: number;
  body: string;
  checkpoint: string;
}

describe('crash test: kill -9 during a burst of appends', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let script: string;
  beforeAll(async () => {
    dir = await tempDir('crash');
    script = join(dir.path, 'log-child.cjs');
    await build({
      entryPoints: [fileURLToPath(new URL('./log-child.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: script,
      logLevel: 'silent',
      // the workspace packages' sources, as the tests read them (no build needed)
      conditions: ['@blindbox/source'],
    });
  });
  afterAll(async () => {
    await dir.remove();
  });

  async function start(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(process.execPath, [script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`the log child exited with ${code} before listening`);
    });
    const line = once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line');
    const [first] = (await Promise.race([line, exited])) as [string];
    exited.catch(() => undefined);
    return { child, url: (JSON.parse(first) as { url: string }).url };
  }

  it('keeps every acknowledged entry and signs a checkpoint consistent with the last one served', async () => {
    const dataDir = join(dir.path, 'log');
    const keys = loadOrCreateLogKeys(dataDir);
    const acked: Acked[] = [];
    let lastServed = '';
    const served = (note: string) => {
      if (
        !lastServed ||
        parseCheckpoint(parseSignedNote(note).text).size >=
          parseCheckpoint(parseSignedNote(lastServed).text).size
      )
        lastServed = note;
    };

    for (let round = 0; round < 3; round++) {
      const { child, url } = await start(dataDir);
      // after a restart: everything acknowledged so far is there, and the new tree extends the old one
      await checkRecovered(url, acked, lastServed, keys);
      const target = acked.length + 150 + round * 50;
      await burstUntilKilled(url, child, acked, target, served);
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      expect(child.signalCode).toBe('SIGKILL');
    }
    const { child, url } = await start(dataDir);
    try {
      await checkRecovered(url, acked, lastServed, keys);
      expect(acked.length).toBeGreaterThanOrEqual(450);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});

/** 24 concurrent appenders until `target` entries are acknowledged, then SIGKILL in mid-burst. */
async function burstUntilKilled(
  url: string,
  child: ChildProcess,
  acked: Acked[],
  target: number,
  served: (note: string) => void,
): Promise<void> {
  let stop = false;
  const worker = async () => {
    while (!stop) {
      try {
        const entry = await appendOne(url);
        if (!entry) continue;
        acked.push(entry);
        served(entry.checkpoint);
        if (acked.length >= target && !stop) {
          stop = true;
          child.kill('SIGKILL');
        }
      } catch {
        // the server died mid-request: this append was never acknowledged
        if (child.exitCode !== null || child.signalCode !== null) stop = true;
      }
    }
  };
  await Promise.all(Array.from({ length: 24 }, worker));
}

/** One append through the Rekor v1 API: the acknowledged entry, or undefined when the log refused it. */
async function appendOne(url: string): Promise<Acked | undefined> {
  const res = await fetch(`${url}/api/v1/log/entries`, {
    method: 'POST',
    body: JSON.stringify(dsseEntry()),
  });
  if (res.status !== 201) return undefined;
  const entry = Object.values(
    (await res.json()) as Record<
      string,
      { logIndex: number; body: string; verification: { inclusionProof: { checkpoint: string } } }
    >,
  )[0];
  if (!entry) return undefined;
  return {
    logIndex: entry.logIndex,
    body: entry.body,
    checkpoint: entry.verification.inclusionProof.checkpoint,
  };
}

async function checkRecovered(
  url: string,
  acked: Acked[],
  lastServed: string,
  keys: ReturnType<typeof loadOrCreateLogKeys>,
) {
  const note = await (await fetch(`${url}/checkpoint`)).text();
  const signed = parseSignedNote(note);
  expect(verifySignedNote(signed, { name: keys.origin, ecdsaSpki: keys.ecdsaPublicSpki })).toBe(true);
  const now = parseCheckpoint(signed.text);
  // every acknowledged entry is present, at its index, with its body
  expect(new Set(acked.map((a) => a.logIndex)).size).toBe(acked.length);
  for (const a of acked) {
    expect(a.logIndex).toBeLessThan(now.size);
    const res = (await (await fetch(`${url}/api/v1/log/entries?logIndex=${a.logIndex}`)).json()) as Record<
      string,
      { body: string }
    >;
    const [uuid, entry] = Object.entries(res)[0] ?? [];
    expect(entry?.body).toBe(a.body);
    expect(uuid).toBe(toHex(hashLeaf(Buffer.from(a.body, 'base64'))));
  }
  if (!lastServed) return;
  // the new checkpoint extends the last one served before the crash (RFC 9162 §2.1.4.2)
  const before = parseCheckpoint(parseSignedNote(lastServed).text);
  expect(now.size).toBeGreaterThanOrEqual(before.size);
  if (now.size === before.size) {
    expect(toHex(now.rootHash)).toBe(toHex(before.rootHash));
    return;
  }
  const proof = (await (
    await fetch(`${url}/api/v1/log/proof?firstSize=${before.size}&lastSize=${now.size}`)
  ).json()) as { hashes: string[] };
  expect(
    verifyConsistencyProof(before.size, now.size, before.rootHash, now.rootHash, proof.hashes.map(fromHex)),
  ).toBe(true);
}
