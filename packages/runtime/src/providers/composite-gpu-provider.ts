import { gpuNonceForBinding, type Platform } from '@blindbox/attestation';
import { decodePemCertificates } from '@blindbox/attestation/internal';
import { encodeEnvelopeGpus } from '@blindbox/protocol/internal';
import { RuntimeError } from '../runtime-error.js';
import type { AttestationProvider, EvidenceContext, ProvidedEvidence } from './attestation-provider.js';
import type { GpuEvidenceBridge } from './gpu-evidence-bridge.js';

/**
 * A CPU TEE with NVIDIA GPUs attached: the CPU provider's evidence binds the session (nonce and HPKE
 * key) as on any platform, and every GPU's report answers `gpuNonceForBinding(binding)`, so the GPUs
 * are bound to the same session (docs/protocol.md §3.4). Both go into one envelope.
 */
export class CompositeGpuProvider implements AttestationProvider {
  readonly platform: Platform;
  constructor(
    private readonly cpu: AttestationProvider,
    private readonly bridge: GpuEvidenceBridge,
  ) {
    this.platform = cpu.platform;
  }

  async getEvidence(reportData: Uint8Array, context?: EvidenceContext): Promise<ProvidedEvidence> {
    const nonce = gpuNonceForBinding(reportData);
    // Both asked at once: the GPU nonce depends on the binding only, not on the CPU evidence.
    const [cpu, gpus] = await Promise.all([
      this.cpu.getEvidence(reportData, context),
      this.bridge.collect(nonce),
    ]);
    if (gpus.length === 0) {
      // Configured for GPUs but none answered: say so here rather than serve a CPU-only envelope.
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', 'the GPU bridge returned no GPU evidence');
    }
    try {
      const items = gpus.map((gpu) => ({
        report: gpu.report,
        certChain: typeof gpu.certChain === 'string' ? decodePemCertificates(gpu.certChain) : gpu.certChain,
      }));
      return { ...cpu, gpus: encodeEnvelopeGpus(items) };
    } catch (cause) {
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        `the GPU evidence does not fit the envelope: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
}
