import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gpuNonceForBinding } from '@blindbox/attestation';
import { decodePemCertificates } from '@blindbox/attestation/internal';
import { base64Encode, base64urlEncode, hexEncode } from '@blindbox/bytes';
import {
  type AppManifest,
  ATTEST_PATH,
  computeBinding,
  generateServerKey,
  parseEvidenceEnvelope,
} from '@blindbox/protocol';
import { decodeEnvelopeGpus } from '@blindbox/protocol/internal';
import { enclave, endpoint } from '@blindbox/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { type EnclaveServer, startEnclaveServer } from '../enclave-server.js';
import { RuntimeError } from '../runtime-error.js';
import type { AttestationProvider } from './attestation-provider.js';
import { CommandGpuBridge } from './command-gpu-bridge.js';
import { CompositeGpuProvider } from './composite-gpu-provider.js';
import type { GpuEvidenceBridge } from './gpu-evidence-bridge.js';
import { RecordedGpuBridge } from './recorded-gpu-bridge.js';

const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../../vectors/', import.meta.url));
const reportHex = readFileSync(join(VECTORS, 'nvidia-gpu/hopperAttestationReport.txt'), 'utf8').trim();
const chainPem = readFileSync(join(VECTORS, 'nvidia-gpu/hopperCertChain.txt'), 'utf8');
const recorded = { report: Uint8Array.from(Buffer.from(reportHex, 'hex')), certChain: chainPem };

/** The CPU side: evidence that is the report data itself (what the enclave-server tests use). */
const cpu: AttestationProvider = {
  platform: 'simulated',
  async getEvidence(reportData) {
    return { evidence: reportData.slice(), collateral: { from: 'cpu' } };
  },
};

@enclave({ name: 'noop' })
class Noop {
  @endpoint()
  async ping(_req: { n: number }): Promise<{ n: number }> {
    return { n: 1 };
  }
}
const obj = {
  type: 'object' as const,
  properties: { n: { type: 'number' as const } },
  required: ['n'],
  additionalProperties: false as const,
};
const manifest: AppManifest = {
  manifestVersion: 1,
  app: { name: 'noop', version: '1.0.0' },
  enclave: { className: 'Noop', module: 'src/noop.ts' },
  endpoints: [{ name: 'ping', input: obj, output: obj, source: 'src/noop.ts:1:1' }],
};

const servers: EnclaveServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close(100)));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function attest(provider: AttestationProvider) {
  const key = await generateServerKey();
  const server = await startEnclaveServer({ manifest, instance: new Noop(), provider, key, port: 0 });
  servers.push(server);
  const nonce = crypto.getRandomValues(new Uint8Array(32));
  const res = await fetch(new URL(ATTEST_PATH, server.url), {
    method: 'POST',
    body: JSON.stringify({ nonce: base64urlEncode(nonce) }),
  });
  return { res, nonce, key, binding: computeBinding(nonce, key.publicKey) };
}

/** A helper script standing in for the NVML tool: prints recorded evidence, and the nonce it got. */
function helper(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-helper-'));
  dirs.push(dir);
  const path = join(dir, 'gpu-evidence.mjs');
  writeFileSync(path, `#!${process.execPath}\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('CompositeGpuProvider (CPU provider + GPU bridge; recorded GPU evidence in place of live hardware)', () => {
  it('asks the bridge with the GPU nonce derived from the binding and serves both in one envelope', async () => {
    const asked: Uint8Array[] = [];
    const bridge: GpuEvidenceBridge = {
      async collect(nonce) {
        asked.push(nonce);
        return new RecordedGpuBridge([recorded]).collect();
      },
    };
    const { res, binding } = await attest(new CompositeGpuProvider(cpu, bridge));
    expect(res.status).toBe(200);
    const envelope = parseEvidenceEnvelope(await res.json());
    expect(asked).toEqual([gpuNonceForBinding(binding)]);
    // The CPU evidence is untouched: it binds the session as without GPUs.
    expect(envelope.platform).toBe('simulated');
    expect(envelope.evidence).toBe(base64Encode(binding));
    expect(envelope.collateral).toEqual({ from: 'cpu' });
    const [gpu] = decodeEnvelopeGpus(envelope.gpus!);
    expect(gpu!.report).toEqual(recorded.report);
    expect(gpu!.certChain).toEqual(decodePemCertificates(chainPem));
  });

  it('leaves an envelope without GPUs as it was (no "gpus" member)', async () => {
    const { res } = await attest(cpu);
    expect(Object.keys(await res.json())).not.toContain('gpus');
  });

  it('refuses to serve a CPU-only envelope when the bridge found no GPU, or evidence over the bounds', async () => {
    const none = new CompositeGpuProvider(cpu, new RecordedGpuBridge([]));
    await expect(none.getEvidence(new Uint8Array(64))).rejects.toMatchObject({
      code: 'RUNTIME_ATTESTATION_UNAVAILABLE',
    });
    const huge = new CompositeGpuProvider(
      cpu,
      new RecordedGpuBridge([{ report: new Uint8Array(64 * 1024), certChain: chainPem }]),
    );
    const err = await huge.getEvidence(new Uint8Array(64)).catch((e) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err.message).toMatch(/does not fit the envelope/);
  });
});

describe('CommandGpuBridge (a real helper process printing recorded GPU evidence)', () => {
  it('passes the nonce in hex as the last argument and reads {"gpus": [{report, certChain}]}', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-nonce-'));
    dirs.push(dir);
    const seen = join(dir, 'nonces.txt');
    const script = helper(`
      import { appendFileSync } from 'node:fs';
      const nonce = process.argv.at(-1);
      if (process.argv.at(-2) !== '--all' || !/^[0-9a-f]{64}$/.test(nonce)) process.exit(3);
      appendFileSync(${JSON.stringify(seen)}, nonce + '\\n');
      process.stdout.write(JSON.stringify({ gpus: [{ report: ${JSON.stringify(reportHex)}, certChain: ${JSON.stringify(chainPem)} }] }));
    `);
    const bridge = new CommandGpuBridge({ command: script, args: ['--all'] });
    const gpus = await bridge.collect(new Uint8Array(32).fill(0xab));
    expect(gpus).toEqual([{ report: recorded.report, certChain: chainPem }]);
    // End to end through the provider and a real server: the helper got the derived nonce.
    const { res, binding } = await attest(new CompositeGpuProvider(cpu, bridge));
    expect(parseEvidenceEnvelope(await res.json()).gpus).toHaveLength(1);
    expect(readFileSync(seen, 'utf8').split('\n')).toEqual([
      'ab'.repeat(32),
      hexEncode(gpuNonceForBinding(binding)),
      '',
    ]);
  });

  it.each([
    [
      'exits non-zero',
      `process.stderr.write('NVML: GPU 0 not in CC mode'); process.exit(1);`,
      /not in CC mode/,
    ],
    ['prints no JSON', `process.stdout.write('hello');`, /not JSON/],
    ['prints no gpus array', `process.stdout.write('{"gpus": 1}');`, /expected/],
    [
      'prints a report that is not hex',
      `process.stdout.write('{"gpus": [{"report": "zz", "certChain": "x"}]}');`,
      /hex/,
    ],
    [
      'prints a chain that is not PEM',
      `process.stdout.write('{"gpus": [{"report": "00", "certChain": "x"}]}');`,
      /PEM/,
    ],
  ])(
    'fails the request with RUNTIME_ATTESTATION_UNAVAILABLE when the helper %s',
    async (_, body, message) => {
      const err = await new CommandGpuBridge({ command: helper(body) })
        .collect(new Uint8Array(32))
        .catch((e) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect(err.code).toBe('RUNTIME_ATTESTATION_UNAVAILABLE');
      expect(err.message).toMatch(message);
    },
  );

  it('kills a helper that takes too long or prints too much', async () => {
    const slow = new CommandGpuBridge({ command: helper('setTimeout(() => {}, 10_000);'), timeoutMs: 200 });
    await expect(slow.collect(new Uint8Array(32))).rejects.toMatchObject({
      code: 'RUNTIME_ATTESTATION_UNAVAILABLE',
    });
    const loud = new CommandGpuBridge({
      command: helper(`process.stdout.write('x'.repeat(100_000));`),
      maxOutputBytes: 1000,
    });
    await expect(loud.collect(new Uint8Array(32))).rejects.toMatchObject({
      code: 'RUNTIME_ATTESTATION_UNAVAILABLE',
    });
  });
});
