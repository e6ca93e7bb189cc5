import type { Platform } from '@blindbox/attestation';
import type { EnvelopeGpuEvidence } from '@blindbox/protocol';

/** Evidence a provider obtained from its TEE, as it goes into the protocol envelope. */
export interface ProvidedEvidence {
  /** Raw platform evidence (an SNP report, a Nitro COSE_Sign1 document, a simulated report). */
  evidence: Uint8Array;
  /** Certificates and other collateral the client needs to verify offline (JSON-safe). */
  collateral?: Record<string, unknown>;
  /** Evidence of the NVIDIA GPUs attached to the TEE, as the envelope carries it (docs/protocol.md §3.4). */
  gpus?: EnvelopeGpuEvidence[];
}

/** The inputs of the binding, for platforms that carry them in fields of their own (docs/protocol.md §3.3). */
export interface EvidenceContext {
  /** The client's nonce. */
  nonce: Uint8Array;
  /** The enclave's HPKE public key. */
  publicKey: Uint8Array;
}

/**
 * How the runtime asks its TEE for evidence. One implementation per platform; each keeps the device
 * access (configfs-tsm, /dev/sev-guest, /dev/nsm, the simulator's IPC channel) behind this interface.
 */
export interface AttestationProvider {
  readonly platform: Platform;
  /**
   * Returns evidence whose report data is exactly `reportData` (64 bytes: the protocol binding).
   * Platforms with separate fields (Nitro's `nonce` and `public_key`) also bind `context`.
   */
  getEvidence(reportData: Uint8Array, context?: EvidenceContext): Promise<ProvidedEvidence>;
}
