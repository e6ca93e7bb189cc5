import { hexEncode } from '@blindbox/bytes';
import type { VerificationReport } from '../verification-report.js';
import { CheckList, runChecks } from '../verifier/check-list.js';
import { checkSnpBinding } from './check-snp-binding.js';
import { checkSnpExpectedValues } from './check-snp-expected-values.js';
import { checkSnpGuestPolicy, isSnpDebug } from './check-snp-guest-policy.js';
import { checkSnpSignature } from './check-snp-signature.js';
import { checkSnpTcbAndChipId } from './check-snp-tcb.js';
import { readSnpEvidence } from './read-snp-evidence.js';
import { resolveSnpCollateral } from './resolve-snp-collateral.js';
import { snpClaims } from './snp-claims.js';
import type { SnpVerifyOptions } from './snp-policy.js';
import { checkSnpChain } from './verify-vcek-chain.js';

export type { SnpCollateral, SnpPolicy, SnpVerifyOptions } from './snp-policy.js';
export { verifyVcekChain } from './verify-vcek-chain.js';

/**
 * Verifies SEV-SNP evidence: a raw ATTESTATION_REPORT or an Azure HCL report. Checks, in order:
 * layout, signing key, certificate chain to the pinned ARK (validity at `at`), the report's ECDSA
 * P-384 signature, the VCEK's TCB and hwID extensions, THIM's tcbm, then policy (debug, migration
 * agent, SMT, VMPL, TCB, guest SVN, chip), measurement, host data and the binding. Throws
 * {@link AttestationError} at the first failure.
 */
export async function verifySnpEvidence(
  evidence: Uint8Array,
  options: SnpVerifyOptions = {},
): Promise<VerificationReport> {
  const checks = new CheckList();
  return runChecks(checks, 'snp.evidence', () => verifySnp(evidence, options, checks));
}

/** The steps, in order; each records its checks and throws at its first failure. */
async function verifySnp(
  bytes: Uint8Array,
  options: SnpVerifyOptions,
  checks: CheckList,
): Promise<VerificationReport> {
  const at = options.at ?? new Date();
  const evidence = readSnpEvidence(bytes, options, checks);
  const { report } = evidence;
  const collateral = await resolveSnpCollateral(report, options, checks);
  const product = await checkSnpChain(report, collateral, { ...options, at }, checks);
  await checkSnpSignature(report, collateral.leaf, checks);
  const tcb = checkSnpTcbAndChipId(report, collateral, product, checks);
  checkSnpGuestPolicy(report, tcb, options, checks);
  checkSnpExpectedValues(report, options, checks);
  const boundData = checkSnpBinding(evidence, options, checks);
  return {
    platform: 'sev-snp',
    measurement: hexEncode(report.measurement),
    reportData: hexEncode(boundData),
    hostData: hexEncode(report.hostData),
    debug: isSnpDebug(report),
    checks: checks.checks,
    claims: snpClaims(report, product, tcb, evidence.hcl),
    verifiedAt: at.toISOString(),
  };
}
