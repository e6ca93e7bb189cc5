#!/usr/bin/env node
// The BlindBox demo, end to end on embedded defaults: build templates/hello into a reproducible
// image, run it in the simulated TEE, and call it through the generated client, which verifies fresh
// evidence before it sends a byte. Run with `npm run demo` (after `npm ci`).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'bin', 'run.js');
const project = join(root, 'templates', 'hello');
const out = join(root, 'out', 'demo', 'hello');
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

step('blindbox serve (simulated TEE, loopback, any free port)');
const server = spawn(process.execPath, [cli, 'serve', out, '--port', '0', '--json'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [line] = await once(createInterface({ input: server.stdout }), 'line');
const served = JSON.parse(line);
console.log(`  listening at ${served.url}, measured ${served.measurement.slice(0, 24)}…`);

let failed = false;
try {
  step('generated client: attest → verify → seal each call');
  const { connect } = await import(pathToFileURL(join(build.clientDir, 'index.js')).href);
  const { publicKey } = blindbox('sim-root', 'show');
  // allowSimulated: the simulator proves nothing about hardware; a production client omits it.
  const hello = await connect(served.url, { allowSimulated: true, simulatorRoots: [publicKey] });
  const report = hello.session.report;
  console.log(`  verified ${report.platform} evidence at ${report.verifiedAt}:`);
  for (const check of report.checks)
    console.log(`    ✔ ${check.name}${check.found ? ` (${check.found.slice(0, 40)})` : ''}`);
  console.log(
    `    ✔ measurement accepted: ${report.measurement.slice(0, 24)}… is release ${hello.session.release.app}@${hello.session.release.version}`,
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
  server.kill('SIGTERM');
  await once(server, 'exit');
  step(`server stopped (${failed ? 'with errors' : 'clean'})`);
}
process.exitCode = failed ? 1 : 0;
