#!/usr/bin/env node
// Runs every benchmark in turn (they share the machine, so never in parallel). Each prints ratios
// against a baseline measured in the same run and writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
let failed = 0;
for (const name of ['attestation', 'transparency', 'channel', 'build', 'analysis', 'transcriber']) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== bench/${name}.mjs`);
  const r = spawnSync(process.execPath, [join(here, `${name}.mjs`)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
