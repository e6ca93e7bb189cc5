// oclif.manifest.json is written by `npm run build` (tsc, then `oclif manifest`) so that oclif
// imports only the command it runs instead of every command file (about 0.5 s at each start).
// The manifest records a fingerprint of what it describes (dist/**/*.js and package.json): in the
// workspace, where dist can be rebuilt by `tsc` alone, bin/run.js uses the manifest only while the
// fingerprint matches. `node bin/oclif-manifest.js stamp` adds the fingerprint (the build runs it).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = 'oclif.manifest.json';

/** SHA-256 over package.json and every .js file under dist/, by sorted path. */
export function fingerprint(root = packageRoot) {
  const h = createHash('sha256');
  const files = ['package.json', ...jsFiles(root, 'dist')].sort();
  for (const rel of files)
    h.update(`${rel}\0`)
      .update(readFileSync(join(root, rel)))
      .update('\0');
  return h.digest('hex');
}

function jsFiles(root, rel) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const path = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...jsFiles(root, path));
    else if (e.name.endsWith('.js')) out.push(path);
  }
  return out;
}

/** 'current', 'stale' (describes another dist) or 'missing'. */
export function manifestState(root = packageRoot) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, MANIFEST), 'utf8'));
  } catch {
    return 'missing';
  }
  return manifest?.blindbox?.fingerprint === fingerprint(root) ? 'current' : 'stale';
}

/** Records the fingerprint of the current dist in the manifest `oclif manifest` just wrote. */
function stamp(root = packageRoot) {
  const file = join(root, MANIFEST);
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  manifest.blindbox = { fingerprint: fingerprint(root) };
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'stamp') stamp();
