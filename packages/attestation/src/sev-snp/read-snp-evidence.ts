import type { CheckList } from '../verifier/check-list.js';
import { type HclReport, isHclReport, parseHclReport } from './parse-hcl-report.js';
import { parseSnpReport, type SnpReport } from './parse-snp-report.js';
import type { SnpVerifyOptions } from './snp-policy.js';

/** SEV-SNP evidence split into the signed report and, for Azure CVMs, the HCL envelope around it. */
export interface SnpEvidence {
  report: SnpReport;
  /** The Azure HCL report the SNP report came in, when it came in one. */
  hcl?: HclReport;
}

/**
 * Step 1, layout: parses a raw ATTESTATION_REPORT or an Azure HCL report around one (the format is
 * detected from the "HCLA" signature unless `format` says), and refuses a report that carries no chip
 * signature (MASK_CHIP_KEY) or whose signing key the policy does not accept.
 */
export function readSnpEvidence(
  evidence: Uint8Array,
  options: Pick<SnpVerifyOptions, 'format' | 'signingKeys'>,
  checks: CheckList,
): SnpEvidence {
  const format = options.format ?? (isHclReport(evidence) ? 'hcl' : 'report');
  let hcl: HclReport | undefined;
  let reportBytes = evidence;
  if (format === 'hcl') {
    hcl = parseHclReport(evidence);
    reportBytes = hcl.snpReport;
    checks.pass('snp.hcl.layout', {
      found: `${hcl.runtimeData.length} bytes of runtime claims, ${hcl.hashType}`,
    });
  }
  const report = parseSnpReport(reportBytes);
  checks.pass('snp.report.layout', { found: `version ${report.version}` });
  checks.require(
    !report.maskChipKey,
    'snp.report.maskChipKey',
    'ATTESTATION_UNSUPPORTED',
    'the report was produced with MASK_CHIP_KEY set and carries no chip signature',
    { expected: 'false', found: String(report.maskChipKey) },
  );
  const allowedKeys = options.signingKeys ?? ['vcek', 'vlek'];
  checks.require(
    allowedKeys.includes(report.signingKey),
    'snp.signingKey',
    'ATTESTATION_POLICY',
    `the report is signed by a ${report.signingKey.toUpperCase()}, which the policy does not accept`,
    { expected: allowedKeys.join(','), found: report.signingKey },
  );
  return hcl ? { report, hcl } : { report };
}
