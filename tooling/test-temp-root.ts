import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: one temporary folder for the whole run, made the workers' TMPDIR (they and
 * every process they start inherit it), removed at the end. A test that forgets its own clean-up,
 * or a worker that dies before its hooks run, leaves nothing behind: a build writes about 130 MB
 * (the runtime layer), and a run of the suite once left 10 GB in /tmp and filled a CI disk.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'blindbox-test-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}
