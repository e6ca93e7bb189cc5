// Bundles src/index.ts and its dependencies into dist/index.js (what action.yml runs), as
// GitHub actions ship: one committed file, no node_modules on the runner.
// `--check` bundles into memory and fails when the committed dist/ differs (CI's check-dist).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const result = await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies (sigstore, make-fetch-happen) call require(): give the ESM bundle one
  banner: {
    js: "import { createRequire as __bbCreateRequire } from 'node:module'; const require = __bbCreateRequire(import.meta.url);",
  },
  // the sources of @blindbox/* (not a dist that may be stale): the bundle is a function of the commit
  conditions: ['@blindbox/source'],
  legalComments: 'none',
  charset: 'utf8',
  write: false,
  logLevel: 'warning',
  absWorkingDir: root,
});
const out = result.outputFiles[0];
if (!out) throw new Error('esbuild produced no output');
const target = join(root, 'dist', 'index.js');
if (check) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {}
  if (committed !== out.text) {
    console.error(
      'apps/github-action/dist/index.js differs from a fresh bundle of src/: run `npm run bundle -w apps/github-action` and commit dist/',
    );
    process.exit(1);
  }
  console.log('apps/github-action/dist/index.js matches a fresh bundle');
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, out.text);
  writeFileSync(join(root, 'dist', 'package.json'), '{ "type": "module" }\n');
  console.log(`wrote dist/index.js (${(out.text.length / 1024).toFixed(0)} KiB)`);
}
