#!/usr/bin/env node
// The BlindBox demo, end to end on embedded defaults: build templates/hello into a reproducible
// image, sign its release and publish it to the embedded transparency log, run it in the simulated
// TEE, and call it through the generated client, which verifies fresh evidence and checks the
// release in the log before it sends a byte. Run with `npm run demo` (after `npm ci`).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'bin', 'run.js');
const project = join(root, 'templates', 'hello');
const demo = join(root, 'out', 'demo');
const out = join(demo, 'hello');
const keyFile = join(demo, 'release.key');
const step = (text) => console.log(`\n▶ ${text}`);

function blindbox(...args) {
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stderr || r.stdout);
    throw new Error(`blindbox ${args.join(' ')} exited ${r.status}`);
  }
  return JSON.parse(r.stdout);
}

step('blindbox build templates/hello');
const build = blindbox('build', project, '--out', out);
console.log(`  app ${build.app}@${build.version}, endpoints: ${build.endpoints.join(', ')}`);
console.log(`  image digest ${build.imageDigest}`);
console.log(`  simulated measurement ${build.measurements.simulated}`);

/** Starts a long-running `blindbox` command and returns its first JSON line. */
async function start(...args) {
  const child = spawn(process.execPath, [cli, ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { child, info: JSON.parse(line) };
}

step('blindbox log serve (the embedded RFC 6962 transparency log, fresh for the demo)');
rmSync(join(demo, 'log'), { recursive: true, force: true });
const log = await start('log', 'serve', '--data', join(demo, 'log'), '--port', '0');
console.log(`  ${log.info.origin} at ${log.info.url}`);

let server;
let failed = false;
try {
  step('blindbox keys generate + blindbox publish (sign the release statement, log it)');
  if (!existsSync(keyFile)) blindbox('keys', 'generate', '--out', keyFile);
  const published = blindbox('publish', out, '--key', keyFile, '--log', log.info.url);
  console.log(`  ${published.bundle ?? 'release.sigstore.json'} (log index ${published.logIndex})`);
  const trustedRoot = blindbox('log', 'trusted-root', '--log', log.info.url);

  step('blindbox serve (simulated TEE, loopback, any free port; offers the signed release)');
  // runc runs the image's own rootfs and Node (what was measured); without runc, chroot as root.
  // Neither: the host's Node runs the app files, which the measurement does not cover (debug flag).
  const hasRunc = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'].some(
    (d) => d && existsSync(join(d, 'runc')),
  );
  const isolation = hasRunc || process.getuid?.() === 0 ? [] : ['--isolation', 'host-node'];
  if (isolation.length > 0) {
    console.log(
      '  ⚠ runc is not installed (Debian: apt-get install runc) and this is not root: falling back to host-node mode.',
    );
    console.log(
      "    The host's Node runs the app; the measurement does NOT cover that runtime; reports carry the debug flag.",
    );
  }
  server = await start('serve', out, '--port', '0', ...isolation);
  console.log(
    `  listening at ${server.info.url} (${server.info.isolation}), measured ${server.info.measurement.slice(0, 24)}…`,
  );

  step('generated client: attest → verify → seal each call');
  const { connect } = await import(pathToFileURL(join(build.clientDir, 'dist', 'index.js')).href);
  const { publicKey } = blindbox('sim-root', 'show');
  const hello = await connect(server.info.url, {
    // allowSimulated: the simulator proves nothing about hardware; a production client omits it.
    allowSimulated: true,
    simulatorRoots: [publicKey],
    // Only in the labelled host-node fallback above, whose reports carry the debug flag.
    allowDebug: server.info.isolation === 'host-node',
    // Accept only a release signed by our key and included in our log (instead of the pinned one).
    policy: {
      kind: 'signed-release',
      app: build.app,
      signer: { kind: 'key', publicKey: readFileSync(`${keyFile}.pub`, 'utf8') },
      trustedRoot,
      logUrl: log.info.url,
    },
  });
  const report = hello.session.report;
  console.log(`  verified ${report.platform} evidence at ${report.verifiedAt}:`);
  for (const check of report.checks)
    console.log(`    ✔ ${check.name}${check.found ? ` (${check.found.slice(0, 40)})` : ''}`);
  const release = hello.session.release;
  console.log(
    `    ✔ measurement ${report.measurement.slice(0, 24)}… is release ${release.app}@${release.version} (${release.via}): signed by the pinned key, included in the log at index ${release.logIndex}`,
  );

  step('greet({ name: "Ada", language: "fr" })');
  console.log(' ', await hello.greet({ name: 'Ada', language: 'fr' }));
  step('digest({ data: <1 MiB of audio-like bytes> })');
  const data = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
  console.log(' ', await hello.digest({ data }));
  step('a typed error from the handler');
  await hello
    .greet({ name: ' ' })
    .catch((err) => console.log(`  ${err.name} ${err.code}: ${err.message} at ${err.path}`));
} catch (err) {
  failed = true;
  console.error(`demo failed: ${err.code ?? ''} ${err.message}`);
} finally {
  for (const child of [server?.child, log.child]) {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
  step(`server and log stopped (${failed ? 'with errors' : 'clean'})`);
}
process.exitCode = failed ? 1 : 0;
