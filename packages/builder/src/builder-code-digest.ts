import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareStrings } from './compare-strings.js';

let memo: string | undefined;

/**
 * SHA-256 over this builder's own code (every module beside this one, tests and declarations
 * excepted) and the exact TypeScript it analyses with (`ts-morph` and `@ts-morph/common`, which
 * bundles the compiler), and the tar writer. Caches of what the builder computed are keyed on it, so that any change to
 * the builder, released or not, misses them.
 */
export function builderCodeDigest(): string {
  if (memo !== undefined) return memo;
  const h = createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  for (const rel of codeFiles(here, '')) {
    h.update(`${rel}\0`);
    h.update(readFileSync(join(here, rel)));
    h.update('\0');
  }
  const requireHere = createRequire(import.meta.url);
  const morph = packageJsonOf(requireHere, 'ts-morph');
  for (const file of [
    morph,
    packageJsonOf(createRequire(morph), '@ts-morph/common'),
    packageJsonOf(requireHere, 'tar-stream'),
  ]) {
    const { name, version } = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    h.update(`${name}@${version}\0`);
  }
  memo = h.digest('hex');
  return memo;
}

/** The package.json of an installed package (found from its entry: not every package exports it). */
function packageJsonOf(require: NodeJS.Require, name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === name)
      return file;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json of ${name} above ${require.resolve(name)}`);
    dir = parent;
  }
}

function codeFiles(root: string, rel: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(join(root, rel), { withFileTypes: true });
  for (const e of entries) {
    const path = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...codeFiles(root, path));
    else if (isCode(e.name)) out.push(path);
  }
  return out.sort(compareStrings);
}

function isCode(name: string): boolean {
  if (name.endsWith('.d.ts') || name.includes('.test.')) return false;
  return name.endsWith('.js') || name.endsWith('.ts') || name.endsWith('.mjs');
}
