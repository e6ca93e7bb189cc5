import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSimulatedReportBody } from '@blindbox/attestation/internal';
import { ATTEST_PATH } from '@blindbox/protocol';
import {
  type AttestationProvider,
  CompositeGpuProvider,
  type EnclaveServer,
  RecordedGpuBridge,
  startEnclaveServer,
} from '@blindbox/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { AttestationError, attestServer, ClientError, connect, type GpuPolicy } from '../src/index.js';
import { unsafeExpectedGpuNonceForRecordedEvidence } from '../src/internal.js';
import { loopback, readAll } from './support/loopback.js';
import { Adder, manifest } from './support/sim-enclave.js';

const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../vectors/', import.meta.url));
const vector = (name: string) => readFileSync(join(VECTORS, 'nvidia-gpu', name), 'utf8');
/** NVIDIA's sample Hopper report and chain: recorded evidence, in place of a live GPU. */
const recordedGpu = {
  report: Uint8Array.from(Buffer.from(vector('hopperAttestationReport.txt').trim(), 'hex')),
  certChain: vector('hopperCertChain.txt'),
};
/** The nonce the recorded report answers (bytes 4..35 of its SPDM request). */
const recordedNonce = Uint8Array.from(
  Buffer.from('931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb', 'hex'),
);
const rims = {
  driver: vector('Driver_RIM_test_no_gpu.swidtag'),
  vbios: vector('1010_0200_882_96005E0001_test_no_gpu.swidtag'),
};
/** When the sample RIMs' signing chains were valid (their leaves expired in June 2025). */
const rimTime = new Date('2024-06-01T00:00:00Z');

const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rootSpki = root.publicKey.export({ type: 'spki', format: 'der' });

/** The simulated CPU TEE (real P-256 signatures over the simulator's report body). */
function simulatedCpu(timestamp: () => Date = () => new Date()): AttestationProvider {
  return {
    platform: 'simulated',
    async getEvidence(reportData) {
      const body = encodeSimulatedReportBody({
        debug: false,
        timestamp: timestamp(),
        measurement: new Uint8Array(48).fill(7),
        reportData,
        signerKeyId: new Uint8Array(createHash('sha256').update(rootSpki).digest()),
      });
      return {
        evidence: Buffer.concat([
          body,
          sign('sha256', body, { key: root.privateKey, dsaEncoding: 'ieee-p1363' }),
        ]),
      };
    },
  };
}

const servers: EnclaveServer[] = [];
const proxies: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all([...servers.map((s) => s.close(100)), ...proxies.map((p) => p.close())]);
});

async function serve(provider: AttestationProvider): Promise<string> {
  const server = await startEnclaveServer({ manifest, instance: new Adder(), provider, port: 0 });
  servers.push(server);
  return server.url;
}

const withRecordedGpu = (timestamp?: () => Date) =>
  serve(new CompositeGpuProvider(simulatedCpu(timestamp), new RecordedGpuBridge([recordedGpu])));

const base = {
  allowSimulated: true,
  simulatorRoots: [rootSpki.toString('base64')],
  policy: {
    kind: 'pinned' as const,
    releases: [{ app: 'adder', version: '1.0.0', measurements: { simulated: '07'.repeat(48) } }],
  },
};
const oneGpu: GpuPolicy = { count: 1, noRims: true };
const recorded = <T extends object>(options: T) =>
  unsafeExpectedGpuNonceForRecordedEvidence(options, recordedNonce);

async function refusal(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

describe('composite CPU + GPU evidence, with recorded NVIDIA GPU evidence in place of live hardware', () => {
  it('accepts the recorded GPU when told its recorded nonce, and lists the CPU TEE then the GPU with their checks', async () => {
    const url = await withRecordedGpu();
    const session = await connect(url, recorded({ ...base, gpus: oneGpu }));
    expect(await session.call('add', { a: 2, b: 3 })).toEqual({ sum: 5 });
    const [cpu, gpu, ...rest] = session.devices;
    expect(rest).toEqual([]);
    expect(cpu).toMatchObject({ device: 'cpu', platform: 'simulated' });
    expect(cpu!.report).toBe(session.report);
    expect(gpu).toMatchObject({ device: 'gpu', platform: 'nvidia-gpu', index: 0 });
    if (gpu?.device !== 'gpu') throw new Error('no GPU listed');
    expect(gpu.report).toMatchObject({
      architecture: 'hopper',
      nonce: Buffer.from(recordedNonce).toString('hex'),
    });
    expect(gpu.report.measurementsCompared).toBe(false);
    const names = gpu.report.checks.map((c) => c.name);
    for (const name of ['gpu.signature', 'gpu.nonce']) expect(names).toContain(name);
    expect(gpu.report.checks.every((c) => c.ok)).toBe(true);
  });

  it("applies the policy's RIMs and accepted versions to the recorded GPU", async () => {
    const url = await withRecordedGpu(() => rimTime);
    const options = { ...base, now: () => rimTime };
    // NVIDIA pairs this sample with a driver RIM of another version (545.00; the report runs
    // 550.90.07): the RIM's signature verifies, and the client refuses on its version.
    const err = await refusal(attestServer(url, recorded({ ...options, gpus: { count: 1, rims } })));
    expect(err).toBeInstanceOf(AttestationError);
    expect((err as AttestationError).checks.find((c) => c.name === 'gpu.driverRim.signature')?.ok).toBe(true);
    expect((err as AttestationError).checks.at(-1)).toMatchObject({
      name: 'gpu.driverRim.version',
      ok: false,
      expected: '550.90.07',
      found: '545.00',
    });
    // Accepted versions: the report's own are accepted, another is refused.
    const attested = await attestServer(
      url,
      recorded({
        ...options,
        gpus: {
          count: 1,
          noRims: true as const,
          acceptedDriverVersions: ['550.90.07'],
          acceptedVbiosVersions: ['96.00.9f.00.01'],
        },
      }),
    );
    expect(attested.gpus[0]).toMatchObject({ driverVersion: '550.90.07', vbiosVersion: '96.00.9f.00.01' });
    expect(attested.devices.map((d) => d.device)).toEqual(['cpu', 'gpu']);
    const other = await refusal(
      attestServer(
        url,
        recorded({
          ...options,
          gpus: { count: 1, noRims: true as const, acceptedDriverVersions: ['535.104.05'] },
        }),
      ),
    );
    expect(other).toBeInstanceOf(AttestationError);
    expect((other as AttestationError).checks.at(-1)?.ok).toBe(false);
  });

  it('refuses the recorded GPU report without the seam: it does not answer the nonce derived from this session', async () => {
    const url = await withRecordedGpu();
    const err = await refusal(connect(url, { ...base, gpus: oneGpu }));
    expect(err).toBeInstanceOf(AttestationError);
    expect(err).toMatchObject({ code: 'ATTESTATION_NONCE_MISMATCH' });
    expect((err as AttestationError).checks.at(-1)).toMatchObject({ name: 'gpu.nonce', ok: false });
  });

  it('verifies GPU evidence that is present but not required (never silently ignored)', async () => {
    const url = await withRecordedGpu();
    // Not required, but present: checked against the derived nonce, so the recorded report is refused…
    const err = await refusal(connect(url, base));
    expect(err).toMatchObject({ code: 'ATTESTATION_NONCE_MISMATCH' });
    // …and with the recorded nonce it is verified (signature, chain, nonce) and listed.
    const session = await connect(url, recorded(base));
    expect(session.devices.map((d) => d.device)).toEqual(['cpu', 'gpu']);
  });

  it('refuses a server with 1 GPU when the policy requires 2', async () => {
    const url = await withRecordedGpu();
    const err = await refusal(connect(url, recorded({ ...base, gpus: { count: 2, noRims: true as const } })));
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ code: 'CLIENT_GPU_EVIDENCE_MISSING' });
    expect(err.message).toMatch(/requires 2 .*carries evidence for 1/);
  });

  it('refuses a server whose envelope carries no GPU evidence when the policy requires GPUs', async () => {
    const url = await serve(simulatedCpu());
    const err = await refusal(connect(url, recorded({ ...base, gpus: oneGpu })));
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ code: 'CLIENT_GPU_EVIDENCE_MISSING' });
    expect(err.message).toMatch(/no GPU evidence \("gpus"\)/);
    // The same server without a GPU requirement is accepted, listing the CPU TEE alone.
    expect((await connect(url, base)).devices.map((d) => d.device)).toEqual(['cpu']);
  });

  it('refuses the envelope when one byte of the GPU report is flipped on the way', async () => {
    const upstream = await withRecordedGpu();
    const proxy = await loopback(async (req, res) => {
      const body = await readAll(req);
      const answer = await fetch(new URL(req.url ?? '/', upstream), {
        method: req.method ?? 'GET',
        headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json') },
        ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
      });
      let out = Buffer.from(await answer.arrayBuffer());
      if (req.url === ATTEST_PATH) {
        const envelope = JSON.parse(out.toString('utf8'));
        const report = Buffer.from(envelope.gpus[0].report, 'base64');
        report[200]! ^= 0x01;
        envelope.gpus[0].report = report.toString('base64');
        out = Buffer.from(JSON.stringify(envelope));
      }
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(out);
    });
    proxies.push(proxy);
    // Untouched, the recorded evidence passes through the proxy…
    await expect(connect(upstream, recorded({ ...base, gpus: oneGpu }))).resolves.toBeDefined();
    // …flipped, it is refused.
    const err = await refusal(connect(proxy.url, recorded({ ...base, gpus: oneGpu })));
    expect(err).toBeInstanceOf(AttestationError);
    expect((err as AttestationError).code).toMatch(/^ATTESTATION_/);
  });

  it.each<[string, unknown]>([
    ['both rims and noRims', { count: 1, noRims: true as const, rims }],
    ['neither rims nor noRims', { count: 1 }],
    ['count 0', { count: 0, noRims: true as const }],
    ['count 9', { count: 9, noRims: true as const }],
    ['a RIM that is not text', { count: 1, rims: { driver: rims.driver, vbios: 1 } }],
  ])('refuses a GPU policy with %s (CLIENT_BAD_POLICY)', async (_, gpus) => {
    const url = await withRecordedGpu();
    const err = await refusal(connect(url, recorded({ ...base, gpus: gpus as GpuPolicy })));
    expect(err).toMatchObject({ code: 'CLIENT_BAD_POLICY' });
  });
});
