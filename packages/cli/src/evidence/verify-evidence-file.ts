import { AttestationError, type Check, verifyEvidence } from '@blindbox/attestation';
import { UsageError } from '../base-command.js';
import { buildVerifyOptions } from './build-verify-options.js';
import { decodeEvidenceFile } from './decode-evidence-file.js';
import type { EvidencePlatform, EvidenceVerifyRequest } from './evidence-verify-request.js';
import { readUnverifiedFields } from './read-unverified-fields.js';

/** The `--json` output of `blindbox evidence verify`. */
export interface EvidenceVerifyResult {
  ok: boolean;
  platform: EvidencePlatform;
  /** Hex; from an unverified parse when `ok` is false (null when even that failed). */
  measurement: string | null;
  reportData: string | null;
  hostData?: string;
  pcrs?: Record<number, string>;
  /** TDX: Intel's TCB status of the platform (`NotAssessed` with --no-collateral). */
  tcbStatus?: string;
  debug: boolean | null;
  checks: Check[];
  verifiedAt: string;
  error?: { code: string; message: string };
}

/**
 * Verifies one piece of evidence offline and returns the `--json` shape: decode the file, build
 * the policy, verify. Throws {@link UsageError} for bad input (exit 2); a rejection is a result
 * with `ok: false` (exit 1).
 */
export async function verifyEvidenceFile(req: EvidenceVerifyRequest): Promise<EvidenceVerifyResult> {
  const at = req.at ?? new Date();
  const evidence = decodeEvidenceFile(req.file, req.format);
  if (req.platform !== 'sev-snp' && evidence.hcl) {
    throw new UsageError('--format hcl is for Azure SEV-SNP evidence');
  }
  const { collateral, policy } = buildVerifyOptions(req, at);
  try {
    const report = await verifyEvidence(
      { platform: req.platform, evidence: evidence.bytes, collateral },
      policy,
    );
    return {
      ok: true,
      platform: req.platform,
      measurement: report.measurement,
      reportData: report.reportData,
      ...(report.hostData !== undefined ? { hostData: report.hostData } : {}),
      ...(report.pcrs !== undefined ? { pcrs: report.pcrs } : {}),
      ...(report.platform === 'tdx' ? { tcbStatus: String(report.claims['tcbStatus']) } : {}),
      debug: report.debug,
      checks: report.checks,
      verifiedAt: report.verifiedAt,
    };
  } catch (err) {
    if (!(err instanceof AttestationError)) throw err;
    return {
      ok: false,
      platform: req.platform,
      measurement: null,
      reportData: null,
      debug: null,
      ...readUnverifiedFields(req.platform, evidence),
      checks: err.checks,
      verifiedAt: at.toISOString(),
      error: { code: err.code, message: err.message },
    };
  }
}
