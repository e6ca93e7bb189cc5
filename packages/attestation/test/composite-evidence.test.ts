import { base64Encode } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { AttestationError } from '../src/attestation-error.js';
import {
  gpuNonceForBinding,
  verifyCompositeEvidence,
  verifyGpusForNonce,
} from '../src/composite/verify-composite-evidence.js';
import { encodeSimulatedReportBody } from '../src/simulated/simulated-report.js';
import { gpu } from './nvidia-gpu-fixtures.js';

/** A real simulated CPU report (P-256 over the simulator body) carrying `binding` as report data. */
async function simulatedCpu(binding: Uint8Array) {
  const key = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', key.publicKey));
  const body = encodeSimulatedReportBody({
    debug: false,
    timestamp: new Date(),
    measurement: new Uint8Array(48).fill(7),
    reportData: binding,
    signerKeyId: sha256(spki),
  });
  const signature = new Uint8Array(
    await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      key.privateKey,
      body as Uint8Array<ArrayBuffer>,
    ),
  );
  const evidence = new Uint8Array([...body, ...signature]);
  return { input: { platform: 'simulated', evidence }, roots: [base64Encode(spki)] };
}

const sampleGpu = () => ({ report: gpu.report(), certChain: gpu.chain() });
const sampleNonce = Uint8Array.from(Buffer.from(gpu.nonce, 'hex'));

describe('composite evidence: a CPU TEE and its GPUs', () => {
  it('derives the GPU nonce from the session binding (and only from it)', () => {
    const a = new Uint8Array(64).fill(1);
    const b = a.slice();
    b[63] = 2;
    expect(gpuNonceForBinding(a)).toHaveLength(32);
    expect(gpuNonceForBinding(a)).toEqual(gpuNonceForBinding(a.slice()));
    expect(gpuNonceForBinding(a)).not.toEqual(gpuNonceForBinding(b));
    expect(() => gpuNonceForBinding(new Uint8Array(32))).toThrow(TypeError);
  });

  it('accepts N distinct GPUs answering the expected nonce, listing each device', async () => {
    const reports = await verifyGpusForNonce(
      [sampleGpu()],
      sampleNonce,
      { count: 1, noRims: true },
      undefined,
    );
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ platform: 'nvidia-gpu', nonce: gpu.nonce });
    expect(reports[0]!.deviceCertificateSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not count one GPU presented twice as two', async () => {
    const err = await verifyGpusForNonce(
      [sampleGpu(), sampleGpu()],
      sampleNonce,
      { count: 2, noRims: true },
      undefined,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(AttestationError);
    expect((err as AttestationError).checks.at(-1)?.name).toBe('gpu.distinct');
  });

  it('refuses too few GPUs', async () => {
    const err = await verifyGpusForNonce([], sampleNonce, { count: 1, noRims: true }, undefined).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: 'ATTESTATION_MISSING_COLLATERAL' });
  });

  it('rejects GPU evidence gathered for another session: the sample answers its own nonce, not this binding’s', async () => {
    const binding = new Uint8Array(64).fill(9);
    const cpu = await simulatedCpu(binding);
    const policy = { allowSimulated: true, simulatorRoots: cpu.roots, expectedReportData: binding };
    // The CPU alone verifies…
    const alone = await verifyCompositeEvidence({ cpu: cpu.input }, policy);
    expect(alone.cpu.platform).toBe('simulated');
    expect(alone.gpus).toEqual([]);
    // …but with a GPU requirement, the sample GPU report is refused (its nonce is not derived from this binding).
    const err = await verifyCompositeEvidence(
      { cpu: cpu.input, gpus: [sampleGpu()] },
      { ...policy, gpus: { count: 1, noRims: true } },
    ).catch((e) => e);
    expect(err).toMatchObject({ code: 'ATTESTATION_NONCE_MISMATCH' });
    // And a GPU requirement with no GPU evidence at all is refused.
    const none = await verifyCompositeEvidence(
      { cpu: cpu.input },
      { ...policy, gpus: { count: 1, noRims: true } },
    ).catch((e) => e);
    expect(none).toMatchObject({ code: 'ATTESTATION_MISSING_COLLATERAL' });
  });

  it('refuses to check GPUs without the binding their nonce derives from', async () => {
    const cpu = await simulatedCpu(new Uint8Array(64));
    const err = await verifyCompositeEvidence(
      { cpu: cpu.input, gpus: [sampleGpu()] },
      { allowSimulated: true, simulatorRoots: cpu.roots },
    ).catch((e) => e);
    expect(err).toMatchObject({ code: 'ATTESTATION_POLICY' });
  });
});
