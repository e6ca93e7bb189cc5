import type { EvidencePolicy, NitroPcrSet } from '@blindbox/attestation';
import { hexDecode } from '@blindbox/bytes';
import { UsageError } from '../base-command.js';
import { tdxOptions } from './build-tdx-verify-options.js';
import type {
  EvidenceVerifyRequest,
  NitroEvidenceVerifyRequest,
  SnpEvidenceVerifyRequest,
} from './evidence-verify-request.js';

/** The arguments of `verifyEvidence` that a request turns into, besides the evidence itself. */
export interface VerifyOptions {
  collateral: Record<string, unknown>;
  policy: EvidencePolicy;
}

/** A hex flag value, normalised (trimmed, lowercase, no 0x); a usage error when it is not hex. */
function hexFlag(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const clean = value.trim().toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]+$/.test(clean) || clean.length % 2 !== 0)
    throw new UsageError(`${name} must be hex, got "${value}"`);
  return clean;
}

function snpOptions(
  req: SnpEvidenceVerifyRequest,
  policy: EvidencePolicy,
  measurement?: string,
): VerifyOptions {
  const hostData = hexFlag(req.expectHostData, '--expect-host-data');
  const collateral: Record<string, unknown> = {};
  if (req.cert) {
    // The report's SIGNING_KEY field decides which of the two is used.
    collateral['vcek'] = req.cert;
    collateral['vlek'] = req.cert;
  }
  if (req.chain) collateral['certChain'] = req.chain;
  if (req.thim) collateral['thim'] = req.thim;
  policy.snp = {
    ...(measurement ? { measurements: [measurement] } : {}),
    ...(hostData ? { hostData: [hostData] } : {}),
  };
  return { collateral, policy };
}

function nitroOptions(
  req: NitroEvidenceVerifyRequest,
  policy: EvidencePolicy,
  measurement?: string,
): VerifyOptions {
  const pcrs = req.expectPcrs ?? {};
  const named = Object.keys(pcrs).map(Number);
  if (named.length > 0 && !named.includes(0) && !named.includes(8)) {
    // PCR1/PCR2 checks without PCR0 or PCR8 are how verifiers came to accept any application (CVE-2025-64186).
    throw new UsageError(
      '--expect-pcr must pin PCR0 (the enclave image) or PCR8 (its signing certificate), alone or with others',
    );
  }
  policy.nitro = {
    ...(named.length > 0 ? { pcrs: [pcrs as NitroPcrSet] } : {}),
    ...(measurement ? { measurements: [measurement] } : {}),
    ...(req.maxAgeSeconds !== undefined ? { maxAgeSeconds: req.maxAgeSeconds } : {}),
  };
  // The document carries its own certificate chain: no collateral.
  return { collateral: {}, policy };
}

/**
 * Turns an `evidence verify` request into the collateral and policy `verifyEvidence` takes: the
 * checks every platform shares (time, debug, measurement, report data), then the platform's own.
 * Throws {@link UsageError} for a malformed expected value or an incomplete PCR set.
 */
export function buildVerifyOptions(req: EvidenceVerifyRequest, at: Date): VerifyOptions {
  const measurement = hexFlag(req.expectMeasurement, '--expect-measurement');
  const reportData = hexFlag(req.expectReportData, '--expect-report-data');
  const policy: EvidencePolicy = { at, allowDebug: req.allowDebug === true };
  if (reportData) policy.expectedReportData = hexDecode(reportData);
  switch (req.platform) {
    case 'sev-snp':
      return snpOptions(req, policy, measurement);
    case 'nitro':
      return nitroOptions(req, policy, measurement);
    case 'tdx':
      return tdxOptions(req, policy, measurement);
  }
}
