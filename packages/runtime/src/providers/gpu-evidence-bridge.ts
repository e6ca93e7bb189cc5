import type { NvidiaGpuEvidence } from '@blindbox/attestation';

/**
 * How the runtime asks the NVIDIA GPUs attached to its TEE for evidence. Inside a confidential VM a
 * real bridge calls NVML (`nvmlDeviceGetConfComputeGpuAttestationReport` with the nonce, and
 * `nvmlDeviceGetConfComputeGpuCertificate`) for every GPU, as NVIDIA's local GPU verifier does
 * (docs/attestation.md, "GPU evidence"): {@link CommandGpuBridge} runs such a helper.
 */
export interface GpuEvidenceBridge {
  /**
   * Returns one item per GPU in confidential-computing mode, each an attestation report answering
   * `nonce` (32 bytes) with the GPU's certificate chain, leaf first.
   */
  collect(nonce: Uint8Array): Promise<readonly NvidiaGpuEvidence[]>;
}
