import { hexDecode, hexEncode } from '@blindbox/bytes';
import type { CheckList } from '../verifier/check-list.js';
import { requireExpectedBytes } from '../verifier/expected-values.js';
import { hclBindsRuntimeData } from './parse-hcl-report.js';
import type { SnpEvidence } from './read-snp-evidence.js';
import type { SnpVerifyOptions } from './snp-policy.js';

/**
 * Step 8, binding: the 64 bytes the guest bound into the evidence equal the protocol binding. For a
 * raw report that is `report_data`; in an Azure HCL report the paravisor puts hash(runtime claims)
 * into `report_data`, so the claims must hash to it and their `user-data` is what the guest bound.
 * Returns the bound bytes (empty when an HCL report's claims carry no 64-byte `user-data`).
 */
export function checkSnpBinding(
  { report, hcl }: SnpEvidence,
  options: Pick<SnpVerifyOptions, 'expectedReportData'>,
  checks: CheckList,
): Uint8Array {
  let boundData = report.reportData;
  if (hcl) {
    const binds = hclBindsRuntimeData(hcl, report.reportData);
    checks.require(
      binds.ok,
      'snp.hcl.runtimeData',
      'ATTESTATION_BINDING_MISMATCH',
      'the HCL runtime claims are not the ones the SNP report binds (report_data is not their hash)',
      { expected: binds.expected, found: hexEncode(report.reportData) },
    );
    const userData = hcl.runtimeClaims?.['user-data'];
    boundData =
      typeof userData === 'string' && /^[0-9a-fA-F]{128}$/.test(userData)
        ? hexDecode(userData)
        : new Uint8Array(0);
  }
  requireExpectedBytes(
    checks,
    'binding.reportData',
    'ATTESTATION_BINDING_MISMATCH',
    options.expectedReportData,
    boundData,
    `${hcl ? "the HCL runtime claims' user-data" : 'report_data'} does not bind this nonce and this public key: replayed evidence or a relay that swapped the key`,
  );
  return boundData;
}
