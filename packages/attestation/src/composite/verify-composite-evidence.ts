import { concatBytes, utf8Encode } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import { AttestationError } from '../attestation-error.js';
import {
  type GpuVerificationReport,
  type NvidiaGpuEvidence,
  type NvidiaGpuPolicy,
  verifyNvidiaGpuEvidence,
} from '../nvidia-gpu/verify-nvidia-gpu.js';
import type { VerificationReport } from '../verification-report.js';
import { type EvidenceInput, type EvidencePolicy, verifyEvidence } from '../verify-evidence.js';

const GPU_NONCE_LABEL = utf8Encode('blindbox/attest/v1/gpu');

/**
 * The nonce every GPU of a session must answer: `SHA-256("blindbox/attest/v1/gpu" ‖ 0x00 ‖ binding)`,
 * where `binding` is the 64-byte protocol binding of the session's nonce and HPKE key (the value the
 * CPU evidence carries as report data). So the GPU reports are as fresh as the CPU evidence and tied
 * to the same key: a relay cannot pair this CPU with GPU evidence gathered for another session.
 */
export function gpuNonceForBinding(binding: Uint8Array): Uint8Array {
  if (binding.length !== 64) throw new TypeError(`a binding is 64 bytes, got ${binding.length}`);
  return sha256(concatBytes(GPU_NONCE_LABEL, Uint8Array.of(0), binding));
}

/** What the GPUs of a composite TEE must satisfy. */
export interface GpuRequirement {
  /** How many GPUs in confidential-computing mode must attest. */
  count: number;
  /** Driver and VBIOS RIMs the measurements are compared with (all GPUs run the same driver). */
  driverRim?: string;
  vbiosRim?: string;
  /** Check signatures, chains and nonces only. Default: false. */
  noRims?: boolean;
  acceptedDriverVersions?: readonly string[];
  acceptedVbiosVersions?: readonly string[];
}

/** Evidence of a CPU TEE and the GPUs attached to it. */
export interface CompositeEvidence {
  cpu: EvidenceInput;
  gpus?: readonly NvidiaGpuEvidence[];
}

export interface CompositePolicy extends EvidencePolicy {
  /** Required GPUs. Default: none required (GPU evidence that is present is still verified). */
  gpus?: GpuRequirement;
}

/** One report per device: the CPU TEE, then each GPU in the order the evidence listed them. */
export interface CompositeReport {
  cpu: VerificationReport;
  gpus: GpuVerificationReport[];
}

/**
 * Verifies GPU evidence against one expected nonce, requiring `count` distinct devices. Exported for
 * the composite verifier and its tests; callers use {@link verifyCompositeEvidence}.
 */
export async function verifyGpusForNonce(
  gpus: readonly NvidiaGpuEvidence[],
  nonce: Uint8Array,
  requirement: GpuRequirement | undefined,
  at: Date | undefined,
): Promise<GpuVerificationReport[]> {
  const required = requirement?.count ?? 0;
  if (gpus.length < required) {
    throw new AttestationError(
      'ATTESTATION_MISSING_COLLATERAL',
      `the policy requires ${required} GPU(s) in confidential-computing mode, the server presented evidence for ${gpus.length}`,
      [{ name: 'gpu.count', ok: false, expected: String(required), found: String(gpus.length) }],
    );
  }
  const policy: NvidiaGpuPolicy = {
    expectedNonce: nonce,
    ...(at ? { at } : {}),
    ...(requirement?.noRims ? { noRims: true } : {}),
    ...(requirement?.driverRim ? { driverRim: requirement.driverRim } : {}),
    ...(requirement?.vbiosRim ? { vbiosRim: requirement.vbiosRim } : {}),
    ...(requirement?.acceptedDriverVersions
      ? { acceptedDriverVersions: requirement.acceptedDriverVersions }
      : {}),
    ...(requirement?.acceptedVbiosVersions
      ? { acceptedVbiosVersions: requirement.acceptedVbiosVersions }
      : {}),
    // Evidence nobody asked for is still checked, but without reference values it cannot be compared.
    ...(requirement === undefined ? { noRims: true } : {}),
  };
  const reports: GpuVerificationReport[] = [];
  for (const gpu of gpus) reports.push(await verifyNvidiaGpuEvidence(gpu, policy));
  const devices = new Set(reports.map((r) => r.deviceCertificateSha256));
  if (devices.size !== reports.length) {
    // One GPU's report presented twice must not count as two GPUs.
    throw new AttestationError('ATTESTATION_POLICY', 'the same GPU appears more than once in the evidence', [
      { name: 'gpu.distinct', ok: false, expected: String(reports.length), found: String(devices.size) },
    ]);
  }
  return reports;
}

/**
 * Verifies a CPU TEE and its GPUs as one: the CPU evidence as {@link verifyEvidence} does, then every
 * GPU report against the nonce derived from the session binding ({@link gpuNonceForBinding}), with
 * the RIMs and versions of `policy.gpus`. Fails closed: GPUs required without a binding to derive
 * their nonce from, too few GPUs, the same GPU twice, or any GPU rejected.
 */
export async function verifyCompositeEvidence(
  evidence: CompositeEvidence,
  policy: CompositePolicy = {},
): Promise<CompositeReport> {
  const gpus = evidence.gpus ?? [];
  if ((policy.gpus || gpus.length > 0) && policy.expectedReportData === undefined) {
    throw new AttestationError(
      'ATTESTATION_POLICY',
      'GPU evidence is bound to the session binding: pass expectedReportData (the binding) to verify it',
      [{ name: 'gpu.binding', ok: false }],
    );
  }
  const cpu = await verifyEvidence(evidence.cpu, policy);
  if (gpus.length === 0 && !policy.gpus) return { cpu, gpus: [] };
  const nonce = gpuNonceForBinding(policy.expectedReportData!);
  const reports = await verifyGpusForNonce(gpus, nonce, policy.gpus, policy.at);
  return { cpu, gpus: reports };
}
