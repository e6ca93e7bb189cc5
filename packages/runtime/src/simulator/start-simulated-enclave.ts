import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodeSimulatedReportBody, simulatedMeasurement } from '@blindbox/attestation/internal';
import { hexEncode as toHex } from '@blindbox/bytes';
import type { SimulatorMessage } from '../providers/simulated-ipc-provider.js';
import { RuntimeError } from '../runtime-error.js';
import { readOciImage } from './read-oci-image.js';
import { loadSimRoot } from './sim-root.js';

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
  /** Set the simulated report's debug flag. Default: false. */
  debug?: boolean;
  /** Extra environment for the enclave process (e.g. `BLINDBOX_LOG`). */
  env?: Record<string, string>;
  /** Where the enclave's stdout/stderr go. Default: inherited. */
  stdio?: 'inherit' | 'ignore' | 'pipe';
  /** Milliseconds to wait for the enclave to listen. Default: 20000. */
  startTimeoutMs?: number;
}

/** A running simulated enclave. */
export interface SimulatedEnclave {
  url: string;
  port: number;
  /** Hex SHA-384 measurement the simulator computed over the files it loaded and runs. */
  measurement: string;
  imageDigest: string;
  simRootPublicKey: string;
  process: ChildProcess;
  /** SIGTERM, wait for exit, remove the extracted files. */
  stop(): Promise<void>;
}

/**
 * The simulated TEE: loads an image, measures the files it extracts, runs its entrypoint as a child
 * process, and answers that process's report requests with reports signed by the simulator root
 * over (measurement, report_data). The measurement is never read from a file: it is computed from
 * the exact bytes the child then runs.
 */
export async function startSimulatedEnclave(options: SimulatedEnclaveOptions): Promise<SimulatedEnclave> {
  const root = loadSimRoot(options.simRootDir);
  const image = await readOciImage(options.imageDir);
  const measurement = simulatedMeasurement(image.files, image.entrypoint);
  const [program, ...args] = image.entrypoint;
  if (program !== 'node' || args.length === 0) {
    throw new RuntimeError(
      'RUNTIME_IMAGE_INVALID',
      `the simulator runs images whose entrypoint is ["node", <script>], found ${JSON.stringify(image.entrypoint)}`,
    );
  }
  const rootfs = mkdtempSync(join(tmpdir(), 'blindbox-sim-'));
  for (const file of image.files) {
    const target = join(rootfs, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.bytes, { mode: 0o644 });
  }
  const inRoot = (p: string) => join(rootfs, p.replace(/^\/+/, ''));
  const imageEnv = Object.fromEntries(
    image.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
  );
  const child = spawn(
    process.execPath,
    args.map((a) => (a.startsWith('/') ? inRoot(a) : a)),
    {
      cwd: inRoot(image.workingDir),
      env: {
        PATH: process.env.PATH ?? '',
        ...imageEnv,
        ...options.env,
        BLINDBOX_TEE: 'simulated',
        BLINDBOX_PORT: String(options.port ?? 8080),
        BLINDBOX_HOST: options.host ?? '127.0.0.1',
        ...(options.releaseFile ? { BLINDBOX_RELEASE_FILE: options.releaseFile } : {}),
      },
      stdio: [options.stdio ?? 'inherit', options.stdio ?? 'inherit', options.stdio ?? 'inherit', 'ipc'],
    },
  );

  child.on('message', (message: SimulatorMessage) => {
    if (message?.type !== 'blindbox-sim/report-request') return;
    const reply = (m: SimulatorMessage) => child.connected && child.send(m);
    try {
      const reportData = new Uint8Array(Buffer.from(message.reportData, 'base64'));
      const body = encodeSimulatedReportBody({
        debug: options.debug ?? false,
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

  const cleanup = () => rmSync(rootfs, { recursive: true, force: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ready: { url: string; port: number };
  try {
    ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new RuntimeError('RUNTIME_SIMULATOR_UNAVAILABLE', 'the enclave did not start listening in time'),
          ),
        options.startTimeoutMs ?? 20_000,
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
          new RuntimeError(
            'RUNTIME_SIMULATOR_UNAVAILABLE',
            `the enclave exited before listening (code ${code}, signal ${signal})`,
          ),
        );
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    cleanup();
    throw err;
  }
  return {
    ...ready,
    measurement: toHex(measurement),
    imageDigest: image.manifestDigest,
    simRootPublicKey: root.publicKey,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}
