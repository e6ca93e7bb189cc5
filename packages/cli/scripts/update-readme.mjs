#!/usr/bin/env node
// Regenerates README.md's command reference with `oclif readme` from the built commands (dist/).
// With --check, changes nothing and fails when README.md is not what it would generate, so the
// reference cannot drift from the flags a user actually gets (`npm run lint` runs the check).
// Same output on any machine: fixed width, commands from dist/, no source links (they would name a
// version and a host), no usage section (it prints the platform and Node version), no update check.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestState } from '../bin/oclif-manifest.js';

const check = process.argv.includes('--check');
const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const readme = join(pkgDir, 'README.md');

function fail(message) {
  console.error(message);
  process.exit(1);
}

// oclif prefers a manifest over the command files; the build writes one, and one that describes
// another build of dist/ (rebuilt by tsc alone) would describe the commands as they were then.
if (manifestState() === 'stale')
  fail(
    'packages/cli/oclif.manifest.json describes another build of dist/: run `npm run build -w packages/cli` and retry',
  );
if (!existsSync(readme)) fail('packages/cli/README.md is missing: it holds the <!-- commands --> markers');
if (!existsSync(join(pkgDir, 'dist', 'commands')))
  fail(
    'packages/cli/dist/commands is missing: build first, or run `npx turbo run readme --filter=@blindbox/cli`',
  );

const tmp = mkdtempSync(join(tmpdir(), 'blindbox-readme-'));
try {
  const generated = join(tmp, 'README.md');
  copyFileSync(readme, generated);
  const oclif = join(dirname(createRequire(import.meta.url).resolve('oclif/package.json')), 'bin', 'run.js');
  const args = ['readme', '--no-source-links', '--tsconfig-path', 'tsconfig.build.json'];
  const run = spawnSync(process.execPath, [oclif, ...args, '--readme-path', generated], {
    cwd: pkgDir,
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '120', NODE_ENV: 'production', OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
  });
  if (run.status !== 0) fail(`${run.stdout}${run.stderr}oclif readme failed`);
  const current = readFileSync(readme, 'utf8');
  const next = readFileSync(generated, 'utf8');
  if (!check) {
    if (next !== current) copyFileSync(generated, readme);
    console.log(next === current ? 'README.md was current' : 'README.md updated');
  } else if (next !== current) {
    const diff = spawnSync('diff', ['-u', readme, generated], { encoding: 'utf8' });
    process.stderr.write(diff.stdout ?? '');
    fail(
      '\npackages/cli/README.md is not current: run `npx turbo run readme --filter=@blindbox/cli` (builds first) and commit it',
    );
  } else {
    console.log('packages/cli/README.md is current');
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
