import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base64urlEncode } from '@blindbox/bytes';
import { type AppManifest, ATTEST_PATH, parseEvidenceEnvelope } from '@blindbox/protocol';
import { enclave } from '@blindbox/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { runEnclave } from './run-enclave.js';

@enclave({ name: 'empty' })
class Empty {}
const manifest: AppManifest = {
  manifestVersion: 1,
  app: { name: 'empty', version: '0.0.0' },
  enclave: { className: 'Empty', module: 'src/empty.ts' },
  endpoints: [],
};
const provider = {
  platform: 'simulated' as const,
  getEvidence: async (reportData: Uint8Array) => ({ evidence: reportData.slice() }),
};
const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../vectors/', import.meta.url));
const vector = (name: string) => readFileSync(join(VECTORS, 'nvidia-gpu', name), 'utf8');

const dir = mkdtempSync(join(tmpdir(), 'gpu-helper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runEnclave with BLINDBOX_GPU_EVIDENCE_COMMAND (a helper printing recorded GPU evidence in place of NVML)', () => {
  it('serves the GPU evidence the helper prints next to the CPU evidence', async () => {
    const helper = join(dir, 'gpu-evidence.mjs');
    const gpu = {
      report: vector('hopperAttestationReport.txt').trim(),
      certChain: vector('hopperCertChain.txt'),
    };
    writeFileSync(
      helper,
      `#!${process.execPath}\nprocess.stdout.write(${JSON.stringify(JSON.stringify({ gpus: [gpu] }))});\n`,
    );
    chmodSync(helper, 0o755);
    const server = await runEnclave({
      manifest,
      enclaveClass: Empty,
      provider,
      env: { BLINDBOX_GPU_EVIDENCE_COMMAND: helper, BLINDBOX_PORT: '0', BLINDBOX_HOST: '127.0.0.1' },
    });
    try {
      const res = await fetch(new URL(ATTEST_PATH, server.url), {
        method: 'POST',
        body: JSON.stringify({ nonce: base64urlEncode(new Uint8Array(32).fill(1)) }),
      });
      const envelope = parseEvidenceEnvelope(await res.json());
      expect(envelope.gpus).toHaveLength(1);
      expect(Buffer.from(envelope.gpus![0]!.report, 'base64').toString('hex')).toBe(gpu.report);
      expect(envelope.gpus![0]!.certChain).toHaveLength(5);
    } finally {
      await server.close(100);
    }
  });

  it('refuses a helper named by a relative path (PATH is not measured)', async () => {
    await expect(
      runEnclave({
        manifest,
        enclaveClass: Empty,
        provider,
        env: { BLINDBOX_GPU_EVIDENCE_COMMAND: 'gpu-evidence' },
      }),
    ).rejects.toMatchObject({ code: 'RUNTIME_BAD_CONFIG' });
  });
});
