import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildResult } from '@blindbox/builder';
import { connect, type SignedReleasePolicy } from '@blindbox/client';
import { type RunningLogServer, startLogServer } from '@blindbox/log-server';
import { loadSimRoot, type SimulatedEnclave, startSimulatedEnclave } from '@blindbox/runtime/simulator';
import {
  fetchLogTrustedRoot,
  generateKeyFile,
  MemoryCheckpointStore,
  signRelease,
} from '@blindbox/transparency';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHello } from './build-hello.js';

const work = mkdtempSync(join(tmpdir(), 'bb-signed-'));
const simRootDir = join(work, 'sim-root');
let log: RunningLogServer;
let trustedRoot: unknown;
let signerPem: string;
let keyFile: string;
const enclaves: SimulatedEnclave[] = [];
const builds: BuildResult[] = [];

async function publish(
  build: BuildResult,
  mutate?: (statement: { predicate: Record<string, unknown> }) => void,
) {
  const statement = JSON.parse(readFileSync(join(build.outDir, 'release.json'), 'utf8'));
  mutate?.(statement);
  const bundle = await signRelease(statement, { signer: { kind: 'key', keyFile }, log: { url: log.url } });
  const path = join(work, `bundle-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(bundle));
  return path;
}

async function serve(build: BuildResult, releaseFile?: string) {
  const enclave = await startSimulatedEnclave({
    imageDir: join(build.outDir, 'image'),
    simRootDir,
    port: 0,
    stdio: 'ignore',
    ...(releaseFile ? { releaseFile } : {}),
  });
  enclaves.push(enclave);
  return enclave;
}

beforeAll(async () => {
  log = await startLogServer({ dataDir: join(work, 'log') });
  trustedRoot = await fetchLogTrustedRoot(log.url);
  const keys = await generateKeyFile(join(work, 'release.key'));
  keyFile = keys.privateKeyPath;
  signerPem = readFileSync(keys.publicKeyPath, 'utf8');
  builds.push(await buildHello('signed-v1'));
}, 120_000);

afterAll(async () => {
  await Promise.all(enclaves.map((e) => e.stop()));
  await log?.close();
});

const dev = () => ({ allowSimulated: true, simulatorRoots: [loadSimRoot(simRootDir).publicKey] });
const policy = (extra: Partial<SignedReleasePolicy> = {}): SignedReleasePolicy => ({
  kind: 'signed-release',
  signer: { kind: 'key', publicKey: signerPem },
  trustedRoot,
  logUrl: log.url,
  checkpoints: new MemoryCheckpointStore(),
  ...extra,
});

describe('signed-release policy: the client accepts only a release that is signed and in the log', () => {
  it('accepts the enclave whose offered release is signed by the pinned key and logged', async () => {
    const build = builds[0] as BuildResult;
    const enclave = await serve(build, await publish(build));
    const session = await connect(enclave.url, { ...dev(), policy: policy({ app: 'hello' }) });
    expect(session.release).toMatchObject({ app: 'hello', version: '0.1.0', via: 'signed-release' });
    expect(session.release.logIndex).toBeGreaterThanOrEqual(0);
    expect(await session.call('greet', { name: 'log' })).toEqual({ message: 'Hello, log!' });
  });

  it('refuses another signer, another app, a missing release and a release of other code', async () => {
    const build = builds[0] as BuildResult;
    const good = await serve(build, await publish(build));
    const other = await generateKeyFile(join(work, 'other.key'));
    await expect(
      connect(good.url, {
        ...dev(),
        policy: policy({ signer: { kind: 'key', publicKey: readFileSync(other.publicKeyPath, 'utf8') } }),
      }),
    ).rejects.toMatchObject({ code: 'TRANSPARENCY_WRONG_IDENTITY' });
    await expect(connect(good.url, { ...dev(), policy: policy({ app: 'billing' }) })).rejects.toMatchObject({
      code: 'CLIENT_RELEASE_NOT_ACCEPTED',
    });

    const bare = await serve(build);
    await expect(connect(bare.url, { ...dev(), policy: policy() })).rejects.toMatchObject({
      code: 'CLIENT_RELEASE_NOT_ACCEPTED',
    });

    // A properly signed and logged release — of other code than the enclave runs.
    const lying = await serve(
      build,
      await publish(build, (s) => {
        s.predicate.measurements = { ...(s.predicate.measurements as object), simulated: 'cd'.repeat(48) };
      }),
    );
    await expect(connect(lying.url, { ...dev(), policy: policy() })).rejects.toMatchObject({
      code: 'CLIENT_MEASUREMENT_NOT_ACCEPTED',
    });
  });

  it('a rolling update: a newer release in the same log is accepted after a consistency check', async () => {
    const v1 = builds[0] as BuildResult;
    const first = await serve(v1, await publish(v1));
    const checkpoints = new MemoryCheckpointStore();
    await connect(first.url, { ...dev(), policy: policy({ checkpoints }) });
    // More entries land in the log; the second replica offers a bundle with a newer checkpoint.
    const second = await serve(v1, await publish(v1));
    const session = await connect(second.url, { ...dev(), policy: policy({ checkpoints }) });
    expect(session.release.via).toBe('signed-release');
    // Without a way to fetch the consistency proof, the same situation fails closed.
    const blind = new MemoryCheckpointStore();
    await connect(first.url, { ...dev(), policy: policy({ checkpoints: blind, logUrl: undefined }) });
    await expect(
      connect(second.url, { ...dev(), policy: policy({ checkpoints: blind, logUrl: undefined }) }),
    ).rejects.toMatchObject({ code: 'TRANSPARENCY_CONSISTENCY_UNAVAILABLE' });
  });
});
