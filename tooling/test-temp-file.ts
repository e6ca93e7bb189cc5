import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Vitest setup file: each test file gets its own TMPDIR inside the run's (test-temp-root.ts),
 * removed when the file's last hook has run, so that the disk a run needs is what the files in
 * flight hold, not the sum of all of them. Registered first, so its `afterAll` runs last.
 */
const previous = process.env.TMPDIR;
const dir = mkdtempSync(join(tmpdir(), 'file-'));
process.env.TMPDIR = dir;

afterAll(() => {
  if (previous === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = previous;
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});
