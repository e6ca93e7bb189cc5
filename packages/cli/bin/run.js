#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

// `blindbox --version` (and `-v`) is answered from package.json without loading oclif, in
// oclif's own format (`@blindbox/cli/<version> <platform>-<arch> node-<version>`). Under WSL oclif
// prints `wsl` as the platform: there the answer is left to oclif.
const [first] = process.argv.slice(2);
if ((first === '--version' || first === '-v') && !maybeWsl()) {
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const arch = os.arch() === 'ia32' ? 'x86' : os.arch();
  process.stdout.write(`${name}/${version} ${os.platform()}-${arch} node-${process.version}\n`);
} else {
  await runOclif();
}

async function runOclif() {
  const { execute, Plugin } = await import('@oclif/core');
  // The published package ships dist and its manifest together. In the workspace (src/ beside
  // dist/) dist may have been rebuilt since the manifest was written: a stale manifest is ignored.
  const workspace = existsSync(new URL('../src', import.meta.url));
  const { manifestState, packageRoot } = workspace ? await import('./oclif-manifest.js') : {};
  if (!workspace || manifestState() !== 'stale') {
    await execute({ dir: import.meta.url });
    return;
  }
  const plugin = new Plugin({ root: packageRoot, isRoot: true, ignoreManifest: true });
  await plugin.load();
  await execute({ loadOptions: { root: packageRoot, plugins: new Map([[plugin.name, plugin]]) } });
}

function maybeWsl() {
  if (process.platform !== 'linux') return false;
  if (os.release().toLowerCase().includes('microsoft')) return true;
  try {
    if (readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')) return true;
  } catch {
    // No /proc: not WSL.
  }
  return existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL');
}
