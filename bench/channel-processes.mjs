// Starts the servers of bench/channel-enclave.mjs as child processes (bench/channel.mjs and the
// e2e load and fault tests share them), and the client-side options that trust their simulator root.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
let bundled;

/** Our packages are bundled from source; everything else loads from node_modules as installed. */
const externalThirdParty = {
  name: 'external-third-party',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@blindbox/') || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** Bundles channel-enclave.mjs once per process (from the TypeScript sources: no build needed). */
async function bundle() {
  bundled ??= (async () => {
    // Inside the repository (an ignored folder), so that the bundle resolves node_modules.
    const outDir = join(here, 'results', '.channel');
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, `channel-enclave-${process.pid}.mjs`);
    await build({
      entryPoints: [join(here, 'channel-enclave.mjs')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'es2022',
      conditions: ['@blindbox/source'],
      outfile,
      logLevel: 'error',
      plugins: [externalThirdParty],
    });
    // One bundle per process: removed when it exits (the servers it started are gone by then).
    process.once('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })();
  return bundled;
}

/**
 * Starts one server process. `mode`: 'blindbox' (the enclave runtime, simulated TEE) or 'plain'.
 * Returns its url, `rss()` (peak RSS since the last call, bytes) and `stop()`.
 */
export async function startServerProcess({
  mode = 'blindbox',
  port = 0,
  limits = {},
  simRootDir,
  execArgv = [],
} = {}) {
  const entry = await bundle();
  const child = fork(entry, [JSON.stringify({ mode, port, limits, simRootDir })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv,
  });
  const ready = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${mode} server exited (${code}) before listening`)));
    child.on('message', (m) => {
      if (m?.type === 'ready') resolve(m);
    });
  });
  return {
    url: ready.url,
    port: ready.port,
    pid: child.pid,
    child,
    rss: () =>
      new Promise((resolve) => {
        const onMessage = (m) => {
          if (m?.type !== 'rss') return;
          child.off('message', onMessage);
          resolve(m);
        };
        child.on('message', onMessage);
        child.send({ type: 'rss' });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** A fresh simulator root folder and the connect options that trust it (pinned to the bench measurement). */
export async function benchTrust() {
  const { loadSimRoot } = await import('@blindbox/runtime/simulator');
  const { createHash } = await import('node:crypto');
  const simRootDir = mkdtempSync(join(tmpdir(), 'bb-channel-root-'));
  process.once('exit', () => rmSync(simRootDir, { recursive: true, force: true }));
  const root = loadSimRoot(simRootDir);
  const measurement = createHash('sha384').update('blindbox bench').digest('hex');
  return {
    simRootDir,
    connectOptions: {
      policy: { kind: 'pinned', releases: [{ measurements: { simulated: measurement } }] },
      allowSimulated: true,
      simulatorRoots: [root.publicKey],
      // The bench app's limits (a generated client reads them from the manifest).
      endpoints: {
        echo: { idempotent: true },
        upload: { maxInputBytes: 1024 * 1024 * 1024 },
        digest: { maxInputBytes: 1024 * 1024 * 1024 },
        download: { maxOutputBytes: 1024 * 1024 * 1024, streamsOutput: true },
      },
    },
  };
}
