#!/usr/bin/env node
// `blindbox build` of templates/hello against its floor, both as whole processes in the same run:
//   warm build (runtime inputs cached) / floor (one node process: esbuild JS API bundle of the same
//   entry + one SHA-256 pass over the final image bytes); target ≤ 2x;
//   `blindbox --version` / `node -e 0`; target ≤ 2x;
//   the cold build (an empty cache: Node and the Debian packages fetched), and the image size by layer.
// Run after a build: `npx turbo run build --filter=@blindbox/cli... && node bench/build.mjs`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const cli = join(root, 'packages', 'cli', 'bin', 'run.js');
const RUNS = Number(process.env.BLINDBOX_BENCH_RUNS ?? 5);
const tmp = mkdtempSync(join(os.tmpdir(), 'blindbox-bench-build-'));
const project = join(tmp, 'hello');
cpSync(join(root, 'templates', 'hello'), project, {
  recursive: true,
  filter: (s) => !s.includes('.blindbox'),
});
const out = join(tmp, 'out');

function timed(args, env = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(args[0], args.slice(1), {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return ms;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Cold: an empty cache (npm pack of the Node package, apt-get download of the .debs).
const coldCache = join(tmp, 'cold-cache');
const coldMs = timed([process.execPath, cli, 'build', project, '--out', out, '--json'], {
  BLINDBOX_CACHE_DIR: coldCache,
});
rmSync(coldCache, { recursive: true, force: true });
// Warm-up of the user cache, then alternate ours and the floor so that load hits both alike.
timed([process.execPath, cli, 'build', project, '--out', out, '--json']);
const ours = [];
const floor = [];
const version = [];
const nodeBare = [];
const entry = join(project, 'src', 'hello.ts');
for (let i = 0; i < RUNS; i++) {
  ours.push(timed([process.execPath, cli, 'build', project, '--out', out, '--json']));
  floor.push(timed([process.execPath, join(here, 'build-floor.mjs'), entry, join(out, 'image')]));
  version.push(timed([process.execPath, cli, '--version']));
  nodeBare.push(timed([process.execPath, '-e', '0']));
}

const image = join(out, 'image');
const index = JSON.parse(readFileSync(join(image, 'index.json'), 'utf8'));
const blob = (d) => readFileSync(join(image, 'blobs', 'sha256', d.slice(7)));
const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
const config = JSON.parse(blob(manifest.config.digest).toString());
const layers = manifest.layers.map((l, i) => ({
  layer: config.history[i]?.created_by.replace(/^blindbox build: /, ''),
  bytes: l.size,
}));

const result = {
  runs: RUNS,
  warmBuildMs: median(ours),
  floorMs: median(floor),
  warmOverFloor: median(ours) / median(floor),
  coldBuildMs: coldMs,
  versionMs: median(version),
  nodeMs: median(nodeBare),
  versionOverNode: median(version) / median(nodeBare),
  imageBytes: layers.reduce((a, l) => a + l.bytes, 0),
  layers,
  targets: { warmOverFloor: 2, versionOverNode: 2 },
};
console.log(`warm blindbox build   ${result.warmBuildMs.toFixed(0)} ms (median of ${RUNS})`);
console.log(
  `floor (esbuild+sha256) ${result.floorMs.toFixed(0)} ms  → ratio ${result.warmOverFloor.toFixed(2)}x (target ≤ 2x)`,
);
console.log(`cold blindbox build   ${coldMs.toFixed(0)} ms (empty cache: fetch + verify + extract)`);
console.log(
  `blindbox --version    ${result.versionMs.toFixed(0)} ms, node -e 0 ${result.nodeMs.toFixed(0)} ms → ratio ${result.versionOverNode.toFixed(2)}x (target ≤ 2x)`,
);
console.log(`image ${(result.imageBytes / 1e6).toFixed(1)} MB:`);
for (const l of layers)
  console.log(`  ${String(l.layer).padEnd(14)} ${(l.bytes / 1e6).toFixed(2).padStart(8)} MB`);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'build.json'), `${JSON.stringify(result, null, 2)}\n`);
rmSync(tmp, { recursive: true, force: true });
