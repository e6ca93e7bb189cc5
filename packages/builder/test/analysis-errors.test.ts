import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeProject } from '../src/analyze-project.js';
import { BuildError } from '../src/build-error.js';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const fixtures = join(packageDir, 'test', 'fixtures', 'errors');
const golden = join(packageDir, 'test', 'golden', 'errors');
const update = process.env.UPDATE_GOLDEN === '1';
const cases = (await readdir(fixtures)).sort();

/** Every problem of a failed analysis, one per line: code, then the located message. */
function render(err: BuildError): string {
  return `${(err.errors ?? [err]).map((e) => `${e.code} ${e.message}`).join('\n')}\n`;
}

describe('analysis errors: golden fixtures (UPDATE_GOLDEN=1 rewrites them)', () => {
  it('has an error fixture for each case', () => {
    expect(cases).toEqual([
      'bad-options',
      'bad-signatures',
      'not-from-sdk',
      'syntax-error',
      'unsupported-types',
    ]);
  });

  it.each(cases)('%s', async (name) => {
    const err = await analyzeProject(join(fixtures, name)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const e = err as BuildError;
    // The error itself is the first problem, located, and its message lists all of them.
    expect(e.message.startsWith(`${e.file}:${e.line}:${e.column}: `)).toBe(true);
    for (const each of e.errors ?? []) {
      expect(e.message).toContain(`${each.file}:${each.line}:${each.column}: `);
      expect(e.message).toContain(each.message.split(': ')[1]?.slice(0, 40) as string);
    }
    const file = join(golden, `${name}.golden.txt`);
    const text = render(e);
    if (update) {
      await mkdir(golden, { recursive: true });
      await writeFile(file, text);
      return;
    }
    if (!existsSync(file)) throw new Error(`${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
    expect(text, `${file} differs; if intended, rerun with UPDATE_GOLDEN=1`).toBe(
      await readFile(file, 'utf8'),
    );
  });
});
