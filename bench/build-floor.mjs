// The floor of a warm `blindbox build` (bench/build.mjs runs it as a whole process): bundle the same
// entry with esbuild's JavaScript API, then one SHA-256 pass over the final image bytes.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, imageDir] = process.argv.slice(2);
// The same modules the enclave bundle holds: the app's class, the sdk and the runtime, from source.
await build({
  stdin: {
    contents: `export * from ${JSON.stringify(entry)};\nexport { runEnclave } from '@blindbox/runtime';\n`,
    resolveDir: root,
    loader: 'js',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@blindbox/source', 'module'],
  nodePaths: [join(root, 'node_modules')],
  write: false,
  logLevel: 'silent',
});
const h = createHash('sha256');
const blobs = join(imageDir, 'blobs', 'sha256');
for (const name of readdirSync(blobs).sort()) h.update(readFileSync(join(blobs, name)));
process.stdout.write(`${h.digest('hex')}\n`);
