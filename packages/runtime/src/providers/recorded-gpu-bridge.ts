import type { NvidiaGpuEvidence } from '@blindbox/attestation';
import type { GpuEvidenceBridge } from './gpu-evidence-bridge.js';

/**
 * A GPU bridge that answers every request with evidence recorded earlier (NVIDIA's sample Hopper
 * report, in the tests), whatever nonce is asked for. For tests without GPUs only: a recorded
 * report answers the nonce it was recorded with, so a client checking the derived GPU nonce
 * refuses it, which is the point.
 */
export class RecordedGpuBridge implements GpuEvidenceBridge {
  readonly #evidence: readonly NvidiaGpuEvidence[];
  constructor(evidence: readonly NvidiaGpuEvidence[]) {
    this.#evidence = [...evidence];
  }

  async collect(): Promise<readonly NvidiaGpuEvidence[]> {
    return this.#evidence;
  }
}
