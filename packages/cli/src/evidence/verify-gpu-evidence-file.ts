import {
  AttestationError,
  type Check,
  type GpuVerificationReport,
  verifyNvidiaGpuEvidence,
} from '@blindbox/attestation';
import { hexDecode } from '@blindbox/bytes';
import { UsageError } from '../base-command.js';
import { decodeEvidenceFile } from './decode-evidence-file.js';

/** What `blindbox evidence verify --platform nvidia-gpu` checks, read from files and flags. */
export interface GpuEvidenceVerifyRequest {
  /** The attestation report file: hex text as NVIDIA's tools write it, or raw bytes. */
  file: Uint8Array;
  /** The GPU's certificate chain, PEM, leaf first. */
  certChain: string;
  driverRim?: string;
  vbiosRim?: string;
  /** Check signature, chain and nonce only. */
  noRims: boolean;
  expectNonce?: string;
  at?: Date;
}

/** The `--json` output for GPU evidence. */
export interface GpuEvidenceVerifyResult {
  ok: boolean;
  platform: 'nvidia-gpu';
  report?: GpuVerificationReport;
  checks: Check[];
  verifiedAt: string;
  error?: { code: string; message: string };
}

/**
 * Verifies an NVIDIA GPU attestation report offline. Bad input throws {@link UsageError} (exit 2);
 * a rejection is a result with `ok: false` (exit 1).
 */
export async function verifyGpuEvidenceFile(req: GpuEvidenceVerifyRequest): Promise<GpuEvidenceVerifyResult> {
  const at = req.at ?? new Date();
  if (!req.noRims && (req.driverRim === undefined || req.vbiosRim === undefined)) {
    throw new UsageError(
      'comparing GPU measurements needs --driver-rim and --vbios-rim; pass --no-rims to check only the signature, chain and nonce',
    );
  }
  let expectedNonce: Uint8Array | undefined;
  if (req.expectNonce !== undefined) {
    try {
      expectedNonce = hexDecode(req.expectNonce.trim());
    } catch {
      throw new UsageError('--expect-nonce must be hex');
    }
    if (expectedNonce.length !== 32) throw new UsageError('--expect-nonce must be 32 bytes of hex');
  }
  const { bytes } = decodeEvidenceFile(req.file);
  try {
    const report = await verifyNvidiaGpuEvidence(
      { report: bytes, certChain: req.certChain },
      {
        at,
        ...(expectedNonce ? { expectedNonce } : {}),
        ...(req.noRims ? { noRims: true } : { driverRim: req.driverRim!, vbiosRim: req.vbiosRim! }),
      },
    );
    return { ok: true, platform: 'nvidia-gpu', report, checks: report.checks, verifiedAt: report.verifiedAt };
  } catch (err) {
    if (!(err instanceof AttestationError)) throw err;
    return {
      ok: false,
      platform: 'nvidia-gpu',
      checks: err.checks,
      verifiedAt: at.toISOString(),
      error: { code: err.code, message: err.message },
    };
  }
}
