import {
  type GpuRequirement,
  type GpuVerificationReport,
  gpuNonceForBinding,
  type VerificationReport,
} from '@blindbox/attestation';
import { verifyGpusForNonce } from '@blindbox/attestation/internal';
import type { EvidenceEnvelope } from '@blindbox/protocol';
import { decodeEnvelopeGpus, ENVELOPE_GPU_LIMITS } from '@blindbox/protocol/internal';
import { ClientError } from './client-error.js';

interface GpuPolicyBase {
  /** How many distinct GPUs in confidential-computing mode must attest (1 to 8). */
  count: number;
  /** Driver versions accepted, as the reports print them (e.g. `550.90.07`). Default: any. */
  acceptedDriverVersions?: readonly string[];
  /** VBIOS versions accepted (e.g. `96.00.9f.00.01`). Default: any. */
  acceptedVbiosVersions?: readonly string[];
}

/** GPUs whose measurements are compared with NVIDIA's reference integrity manifests. */
export interface GpuPolicyWithRims extends GpuPolicyBase {
  /** The driver and VBIOS RIMs (SWID XML as NVIDIA publishes them), signed by NVIDIA's RIM root. */
  rims: { driver: string; vbios: string };
  noRims?: never;
}

/**
 * GPUs checked for signature, certificate chain to NVIDIA's device root and nonce only: their
 * measurements are not compared (each GPU's report says `measurementsCompared: false`).
 */
export interface GpuPolicyWithoutRims extends GpuPolicyBase {
  noRims: true;
  rims?: never;
}

/**
 * The GPUs a client requires next to the CPU TEE ("CPU TEE + N GPUs in CC mode with these driver
 * and VBIOS versions"). Either RIMs to compare the measurements with, or an explicit `noRims`.
 */
export type GpuPolicy = GpuPolicyWithRims | GpuPolicyWithoutRims;

/** One device of the attested TEE, as the verification report lists them: the CPU TEE, then each GPU. */
export type DeviceReport =
  | { device: 'cpu'; platform: VerificationReport['platform']; report: VerificationReport }
  | { device: 'gpu'; platform: 'nvidia-gpu'; index: number; report: GpuVerificationReport };

function badPolicy(message: string): never {
  throw new ClientError('CLIENT_BAD_POLICY', `gpus: ${message}`);
}

/** The attestation package's requirement for a client's GPU policy; checks the policy's shape. */
function requirementOf(policy: GpuPolicy): GpuRequirement {
  const { count, rims, noRims } = policy as { count: unknown; rims?: unknown; noRims?: unknown };
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > ENVELOPE_GPU_LIMITS.gpus)
    badPolicy(`"count" must be an integer from 1 to ${ENVELOPE_GPU_LIMITS.gpus}`);
  if ((rims === undefined) === (noRims !== true))
    badPolicy('give either "rims" ({ driver, vbios }) or "noRims: true", not both and not neither');
  const versions = (name: string, list: unknown) => {
    if (list !== undefined && !(Array.isArray(list) && list.every((v) => typeof v === 'string')))
      badPolicy(`"${name}" must be an array of version strings`);
  };
  versions('acceptedDriverVersions', policy.acceptedDriverVersions);
  versions('acceptedVbiosVersions', policy.acceptedVbiosVersions);
  const base = {
    count,
    ...(policy.acceptedDriverVersions ? { acceptedDriverVersions: policy.acceptedDriverVersions } : {}),
    ...(policy.acceptedVbiosVersions ? { acceptedVbiosVersions: policy.acceptedVbiosVersions } : {}),
  };
  if (noRims === true) return { ...base, noRims: true };
  const { driver, vbios } = (rims ?? {}) as { driver?: unknown; vbios?: unknown };
  if (typeof driver !== 'string' || typeof vbios !== 'string' || !driver || !vbios)
    badPolicy('"rims" must hold the driver and VBIOS RIMs as XML text');
  return { ...base, driverRim: driver, vbiosRim: vbios };
}

/**
 * Verifies the envelope's GPUs (docs/protocol.md §3.4): each report against `expectedNonce` (the
 * GPU nonce of this session's binding), the policy's RIMs and versions, no GPU twice. Evidence
 * present but not required is still verified (signature, chain, nonce). A policy requiring GPUs
 * refuses an envelope with fewer.
 *
 * @throws ClientError `CLIENT_GPU_EVIDENCE_MISSING`, `CLIENT_BAD_POLICY`; AttestationError.
 */
export async function verifyServerGpus(
  envelope: EvidenceEnvelope,
  binding: Uint8Array,
  policy: GpuPolicy | undefined,
  at: Date,
  expectedNonce: Uint8Array = gpuNonceForBinding(binding),
): Promise<GpuVerificationReport[]> {
  const requirement = policy === undefined ? undefined : requirementOf(policy);
  const presented = envelope.gpus ?? [];
  if (requirement && presented.length < requirement.count) {
    throw new ClientError(
      'CLIENT_GPU_EVIDENCE_MISSING',
      presented.length === 0
        ? `the policy requires ${requirement.count} NVIDIA GPU(s) in confidential-computing mode, but the server's attest envelope carries no GPU evidence ("gpus"): it runs without GPUs or without GPU attestation`
        : `the policy requires ${requirement.count} NVIDIA GPU(s) in confidential-computing mode, the server's attest envelope carries evidence for ${presented.length}`,
    );
  }
  if (presented.length === 0) return [];
  return verifyGpusForNonce(decodeEnvelopeGpus(presented), expectedNonce, requirement, at);
}

/** The devices of an attested TEE in report order: the CPU TEE, then each GPU. */
export function listDevices(cpu: VerificationReport, gpus: readonly GpuVerificationReport[]): DeviceReport[] {
  return [
    { device: 'cpu', platform: cpu.platform, report: cpu },
    ...gpus.map((report, index) => ({
      device: 'gpu' as const,
      platform: 'nvidia-gpu' as const,
      index,
      report,
    })),
  ];
}
