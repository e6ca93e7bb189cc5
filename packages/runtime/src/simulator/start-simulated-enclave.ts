import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { encodeSimulatedReportBody } from '@blindbox/attestation/internal';
import { hexEncode as toHex } from '@blindbox/bytes';
import type { SimulatorMessage } from '../providers/simulated-ipc-provider.js';
import { RuntimeError } from '../runtime-error.js';
import { type CheckedEntrypoint, checkEntrypoint } from './check-entrypoint.js';
import { measureFiles } from './measure-files.js';
import { type LoadedImage, readOciImage } from './read-oci-image.js';
import { loadSimRoot } from './sim-root.js';
import { unpackRootfs, writeRuncConfig } from './write-runc-bundle.js';

/**
 * How the simulator starts the image.
 * - `runc`: the image's own rootfs and Node binary in a runc container (host network namespace).
 * - `chroot`: the image's own rootfs and Node binary under chroot (needs root); no /proc, /dev.
 * - `host-node`: the host's Node runs the image's app files. The runtime layer is NOT what runs,
 *   so reports carry the debug flag: a client accepts them only with `allowDebug`.
 * - `auto`: runc when installed, else chroot when root, else an error saying what to do.
 */
export type Isolation = 'auto' | 'runc' | 'chroot' | 'host-node';

/** Options of {@link startSimulatedEnclave}. */
export interface SimulatedEnclaveOptions {
  /** The OCI image layout folder to load (a build's `image/`). */
  imageDir: string;
  /** Simulator root key folder. Default: see `defaultSimRootDir`. */
  simRootDir?: string;
  /** Port for the enclave server; 0 picks a free one. Default: 8080. */
  port?: number;
  /** Address to listen on. Default: 127.0.0.1. */
  host?: string;
  /** Path of a signed release bundle the enclave offers to clients. Default: none. */
  releaseFile?: string;
  /** Set the simulated report's debug flag. Default: false (forced true in `host-node` mode). */
  debug?: boolean;
  /** Extra environment for the enclave process (e.g. `BLINDBOX_LOG`). */
  env?: Record<string, string>;
  /** Where the enclave's stdout/stderr go. Default: inherited. */
  stdio?: 'inherit' | 'ignore' | 'pipe';
  /** Milliseconds to wait for the enclave to listen. Default: 20000. */
  startTimeoutMs?: number;
  /** How to start the image. Default: `auto` (or `$BLINDBOX_ISOLATION`). */
  isolation?: Isolation;
}

/** A running simulated enclave. */
export interface SimulatedEnclave {
  url: string;
  port: number;
  /** Hex SHA-384 measurement the simulator computed over the files it loaded and runs. */
  measurement: string;
  imageDigest: string;
  simRootPublicKey: string;
  /** How the image runs (never `auto`). */
  isolation: Exclude<Isolation, 'auto'>;
  /** The private folder holding the unpacked rootfs the process runs on (removed by `stop`). */
  rootfs: string;
  process: ChildProcess;
  /** SIGTERM, wait for exit, remove the extracted files. */
  stop(): Promise<void>;
}

/**
 * Where the started process finds the signed release it offers: a read-only copy, outside the
 * measured files (the release is a claim clients check, not code). runc bind-mounts it; chroot and
 * host-node get a copy in the rootfs.
 */
const RELEASE_PATH = '/run/blindbox/release.sigstore.json';

const unavailable = (message: string) => new RuntimeError('RUNTIME_SIMULATOR_UNAVAILABLE', message);

/**
 * The simulated TEE: loads an image, measures every file it extracts (runtime and library layers
 * included), runs the image's entrypoint on exactly those files, and answers that process's report
 * requests with reports signed by the simulator root over (measurement, report_data). The
 * measurement is never read from a file: it is computed from the exact bytes that then run.
 */
export async function startSimulatedEnclave(options: SimulatedEnclaveOptions): Promise<SimulatedEnclave> {
  const root = loadSimRoot(options.simRootDir);
  const image = await readOciImage(options.imageDir);
  const isolation = chooseIsolation(options.isolation ?? envIsolation());
  const entrypoint = checkEntrypoint(image, isolation === 'host-node');
  const measurement = measureFiles(image.files, image.entrypoint);
  const debug = isolation === 'host-node' || options.debug === true;

  const bundle = mkdtempSync(join(tmpdir(), 'blindbox-sim-'));
  const cleanup = () => rmSync(bundle, { recursive: true, force: true });
  let child: ChildProcess;
  let containerId: string | undefined;
  let rootfs: string;
  try {
    rootfs = unpackRootfs(bundle, image);
    const release = options.releaseFile
      ? placeRelease(bundle, rootfs, options.releaseFile, isolation)
      : undefined;
    const env = enclaveEnv(image, options);
    if (release && isolation === 'host-node') env.BLINDBOX_RELEASE_FILE = release;
    const stdio = options.stdio ?? 'inherit';
    if (isolation === 'runc') {
      containerId = `blindbox-${randomBytes(6).toString('hex')}`;
      writeRuncConfig(
        bundle,
        image,
        entrypoint,
        env,
        release ? [{ source: release, destination: RELEASE_PATH }] : [],
      );
      child = spawn(
        runcPath() ?? 'runc',
        ['--root', join(bundle, 'state'), 'run', '--preserve-fds', '1', '--bundle', bundle, containerId],
        { env: {}, stdio: [stdio, stdio, stdio, 'ipc'] },
      );
    } else if (isolation === 'chroot') {
      const user = image.user ?? { uid: 65534, gid: 65534 };
      child = spawn(
        hostBinary('chroot') ?? 'chroot',
        [`--userspec=${user.uid}:${user.gid}`, rootfs, entrypoint.program, ...entrypoint.args],
        {
          env,
          stdio: [stdio, stdio, stdio, 'ipc'],
        },
      );
    } else {
      child = spawnHostNode(rootfs, image, entrypoint, env, stdio);
    }
  } catch (err) {
    cleanup();
    throw err;
  }

  child.on('message', (message: SimulatorMessage) => {
    if (message?.type !== 'blindbox-sim/report-request') return;
    const reply = (m: SimulatorMessage) => child.connected && child.send(m);
    try {
      const reportData = new Uint8Array(Buffer.from(message.reportData, 'base64'));
      const body = encodeSimulatedReportBody({
        debug,
        timestamp: new Date(),
        measurement,
        reportData,
        signerKeyId: root.keyId,
      });
      const evidence = Buffer.concat([body, root.sign(body)]);
      reply({ type: 'blindbox-sim/report', id: message.id, evidence: evidence.toString('base64') });
    } catch (err) {
      reply({ type: 'blindbox-sim/report', id: message.id, error: (err as Error).message });
    }
  });

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A child that could not be spawned at all (no runc, no chroot binary) emits 'error', not 'exit'.
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) =>
      reject(unavailable(`could not start the image with ${isolation}: ${err.message}`)),
    ),
  );
  const teardown = async () => {
    if (containerId) {
      spawnSync(runcPath() ?? 'runc', ['--root', join(bundle, 'state'), 'delete', '--force', containerId], {
        stdio: 'ignore',
      });
    }
    cleanup();
  };
  let ready: { url: string; port: number };
  try {
    ready = await Promise.race([waitReady(child, options.startTimeoutMs ?? 20_000, isolation), spawnError]);
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    await teardown();
    throw err;
  }
  spawnError.catch(() => {});
  return {
    ...ready,
    measurement: toHex(measurement),
    imageDigest: image.manifestDigest,
    simRootPublicKey: root.publicKey,
    isolation,
    rootfs,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
        await exited;
        clearTimeout(timer);
      }
      await teardown();
    },
  };
}

/** Copies the release file into the bundle (runc: bind-mounted) or the rootfs; returns the host path. */
function placeRelease(bundle: string, rootfs: string, releaseFile: string, isolation: string): string {
  const bytes = readFileSync(releaseFile);
  const target =
    isolation === 'runc' ? join(bundle, 'release.sigstore.json') : join(rootfs, RELEASE_PATH.slice(1));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, bytes, { mode: 0o444 });
  return target;
}

function envIsolation(): Isolation {
  const v = process.env.BLINDBOX_ISOLATION;
  if (v === undefined || v === '') return 'auto';
  if (v === 'auto' || v === 'runc' || v === 'chroot' || v === 'host-node') return v;
  throw unavailable(`BLINDBOX_ISOLATION must be auto, runc, chroot or host-node, got ${JSON.stringify(v)}`);
}

/** Where `runc` is installed, if it is (PATH, then Debian's /usr/sbin). */
export function runcPath(): string | undefined {
  return hostBinary('runc');
}

function hostBinary(name: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/sbin',
    '/usr/bin',
  ];
  for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

function chooseIsolation(wanted: Isolation): Exclude<Isolation, 'auto'> {
  const isRoot = process.getuid?.() === 0;
  if (wanted === 'runc' && !runcPath())
    throw unavailable('runc is not installed (Debian: apt-get install runc)');
  if (wanted === 'chroot' && (!isRoot || !hostBinary('chroot'))) {
    throw unavailable('chroot needs root and the chroot program; use runc (apt-get install runc)');
  }
  if (wanted !== 'auto') return wanted;
  if (runcPath()) return 'runc';
  if (isRoot && hostBinary('chroot')) return 'chroot';
  throw unavailable(
    "neither runc nor chroot can run the image here: install runc (Debian: apt-get install runc), or pass --isolation host-node to run the app on this machine's Node (not what was measured; reports carry the debug flag)",
  );
}

function enclaveEnv(image: LoadedImage, options: SimulatedEnclaveOptions): Record<string, string> {
  const imageEnv = Object.fromEntries(
    image.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
  );
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    ...imageEnv,
    ...options.env,
    BLINDBOX_TEE: 'simulated',
    BLINDBOX_PORT: String(options.port ?? 8080),
    BLINDBOX_HOST: options.host ?? '127.0.0.1',
    ...(options.releaseFile ? { BLINDBOX_RELEASE_FILE: RELEASE_PATH } : {}),
  };
}

/** The host-node mode: this machine's Node on the image's app files (paths mapped into the rootfs). */
function spawnHostNode(
  rootfs: string,
  image: LoadedImage,
  entrypoint: CheckedEntrypoint,
  env: Record<string, string>,
  stdio: 'inherit' | 'ignore' | 'pipe',
): ChildProcess {
  const inRoot = (p: string) => join(rootfs, p.replace(/^\/+/, ''));
  return spawn(
    process.execPath,
    entrypoint.args.map((a) => (a.startsWith('/') ? inRoot(a) : a)),
    {
      cwd: inRoot(image.workingDir),
      env: { ...env, PATH: process.env.PATH ?? '' },
      stdio: [stdio, stdio, stdio, 'ipc'],
    },
  );
}

function waitReady(
  child: ChildProcess,
  timeoutMs: number,
  isolation: string,
): Promise<{ url: string; port: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(unavailable(`the enclave did not start listening in time (${isolation})`)),
      timeoutMs,
    );
    child.on('message', (m: SimulatorMessage) => {
      if (m?.type === 'blindbox-sim/ready') {
        clearTimeout(timer);
        resolve({ url: m.url, port: m.port });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        unavailable(`the enclave exited before listening (${isolation}, code ${code}, signal ${signal})`),
      );
    });
  });
}
