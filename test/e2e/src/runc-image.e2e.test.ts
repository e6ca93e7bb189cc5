// The image is a real OCI image, and what answers is what was measured: runc runs the unpacked
// rootfs with the image's own entrypoint and its own Node binary in the host's network namespace;
// umoci unpacks the same files; a fresh clone reproduces the release; a flipped byte is caught.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BuildResult, buildApp, reproduceRelease, verifyOciImage } from '@blindbox/builder';
import {
  loadSimRoot,
  runcPath,
  type SimulatedEnclave,
  startSimulatedEnclave,
} from '@blindbox/runtime/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHello, repoRoot } from './build-hello.js';

const run = promisify(execFile);
const cli = join(repoRoot, 'packages', 'cli', 'bin', 'run.js');
// CI installs runc, skopeo and umoci (.ci/run); a developer machine without them skips, saying so.
const haveRunc = runcPath() !== undefined || process.env.CI !== undefined;
const umoci = '/usr/bin/umoci';

type HelloClient = {
  greet(input: { name: string }): Promise<{ message: string }>;
  session: { report: { measurement: string; platform: string } };
};

let build: BuildResult;
let enclave: SimulatedEnclave | undefined;
const simRootDir = mkdtempSync(join(tmpdir(), 'bb-simroot-runc-'));

beforeAll(async () => {
  build = await buildHello('runc');
  if (haveRunc) {
    enclave = await startSimulatedEnclave({
      imageDir: join(build.outDir, 'image'),
      simRootDir,
      port: 0,
      stdio: 'ignore',
      isolation: 'runc',
    });
  }
}, 180_000);

afterAll(async () => {
  await enclave?.stop();
});

/** Host pids whose executable is the very file `path` (same device and inode). */
function pidsRunning(path: string): number[] {
  const target = statSync(path);
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const exe = statSync(`/proc/${name}/exe`);
      if (exe.ino === target.ino && exe.dev === target.dev) pids.push(Number(name));
    } catch {
      // Not ours to read, or gone.
    }
  }
  return pids;
}

describe.skipIf(!haveRunc)('runc runs the measured image (needs runc)', () => {
  it("runs the image's own Node binary from its rootfs, in the host's network namespace", () => {
    if (!enclave) throw new Error('no enclave');
    expect(enclave.isolation).toBe('runc');
    expect(enclave.process.spawnargs[0]).toMatch(/runc$/);
    expect(enclave.process.spawnargs).toContain('--preserve-fds');
    const pids = pidsRunning(join(enclave.rootfs, 'usr', 'local', 'bin', 'node'));
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) {
      expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(readlinkSync('/proc/self/ns/net'));
      // Its own pid namespace: runc isolates everything but the network.
      expect(readlinkSync(`/proc/${pid}/ns/pid`)).not.toBe(readlinkSync('/proc/self/ns/pid'));
    }
    // The simulator measured every file of that rootfs, the runtime layer included.
    expect(enclave.measurement).toBe(build.measurements.simulated);
  });

  it('answers /.well-known/blindbox/v1/attest and a call through the generated client', async () => {
    if (!enclave) throw new Error('no enclave');
    const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
    const res = await fetch(new URL('/.well-known/blindbox/v1/attest', enclave.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nonce }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).platform).toBe('simulated');
    const generated = (await import(join(build.clientDir, 'dist', 'index.js'))) as {
      connect(url: string, options: Record<string, unknown>): Promise<HelloClient>;
    };
    const client = await generated.connect(enclave.url, {
      allowSimulated: true,
      simulatorRoots: [loadSimRoot(simRootDir).publicKey],
    });
    expect(client.session.report.measurement).toBe(build.measurements.simulated);
    expect(await client.greet({ name: 'Grace Hopper' })).toEqual({ message: 'Hello, Grace Hopper!' });
  });

  it.skipIf(!existsSync(umoci) && process.env.CI === undefined)(
    'umoci unpacks the same rootfs and the same entrypoint (needs umoci)',
    async () => {
      if (!enclave) throw new Error('no enclave');
      const bundle = join(mkdtempSync(join(tmpdir(), 'bb-umoci-')), 'bundle');
      await run(umoci, ['unpack', '--rootless', '--image', `${join(build.outDir, 'image')}:0.1.0`, bundle]);
      const image = await verifyOciImage(join(build.outDir, 'image'));
      expect(image.problems).toEqual([]);
      const files = readdirSync(enclave.rootfs, { recursive: true, withFileTypes: true }).filter((e) =>
        e.isFile(),
      );
      expect(files.length).toBeGreaterThan(10);
      for (const f of files) {
        const rel = join(f.parentPath, f.name).slice(enclave.rootfs.length + 1);
        const ours = readFileSync(join(enclave.rootfs, rel));
        const theirs = readFileSync(join(bundle, 'rootfs', rel));
        expect(Buffer.compare(ours, theirs), rel).toBe(0);
      }
      const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
      expect(config.process.args).toEqual(['/usr/local/bin/node', '/app/main.mjs']);
      expect(config.process.user).toMatchObject({ uid: 1000, gid: 1000 });
    },
  );
});

describe('reproduce and verify', () => {
  it('a release built from a fresh clone reproduces from another clone in another folder', async () => {
    const cloneA = join(mkdtempSync(join(tmpdir(), 'bb-clone-a-')), 'repo');
    const cloneB = join(mkdtempSync(join(tmpdir(), 'bb-clone-b-')), 'checkout');
    await run('git', ['clone', '--quiet', repoRoot, cloneA]);
    await run('git', ['clone', '--quiet', repoRoot, cloneB]);
    const out = join(cloneA, 'out');
    const released = await buildApp({
      projectDir: join(cloneA, 'templates', 'hello'),
      outDir: out,
      writeLock: false,
    });
    // The clone is a git work tree: SOURCE_DATE_EPOCH is the commit's time, the revision its hash.
    expect(released.release.predicate.sourceDateEpoch).toBeGreaterThan(0);
    expect(released.release.predicate.source.commit).toMatch(/^[0-9a-f]{40}$/);
    const report = await reproduceRelease({
      releaseFile: join(out, 'release.json'),
      sourceDir: join(cloneB, 'templates', 'hello'),
    });
    expect(report.digests.filter((d) => !d.equal)).toEqual([]);
    expect(report.identical).toBe(true);
  }, 300_000);

  it('blindbox image verify and blindbox reproduce exit 1 on one flipped byte, naming the layer', async () => {
    const release = mkdtempSync(join(tmpdir(), 'bb-flipped-'));
    await cp(build.outDir, release, { recursive: true });
    const blobs = (await verifyOciImage(join(release, 'image'))).blobs;
    const appLayer = blobs.find((b) => b.role === 'layer 2');
    const file = join(release, 'image', 'blobs', 'sha256', appLayer?.digest.slice(7) ?? '');
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x01;
    writeFileSync(file, bytes);
    const verify = await run(process.execPath, [cli, 'image', 'verify', join(release, 'image')]).catch(
      (e) => e,
    );
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain(`blob ${appLayer?.digest} does not match its digest`);
    const source = join(build.outDir, '..', 'project');
    const repro = await run(process.execPath, [
      cli,
      'reproduce',
      join(release, 'release.json'),
      '--source',
      source,
    ]).catch((e) => e);
    expect(repro.code).toBe(1);
    expect(repro.stderr).toContain('does not match its digest');
    expect(repro.stderr).toMatch(/layer 2 \(app\)/);
  }, 300_000);
});
