import { hexEncode } from '@blindbox/bytes';
import type { VerificationReport } from '../verification-report.js';
import { CheckList, runChecks } from '../verifier/check-list.js';
import { checkPckChain } from './check-pck-chain.js';
import { checkQeIdentity } from './check-qe-identity.js';
import { checkQeReport, checkQuoteSignature } from './check-qe-report.js';
import { checkTcbInfo } from './check-tcb-info.js';
import { checkTdAttributes, checkTdxBinding, checkTdxExpectedValues, isTdDebug } from './check-tdx-policy.js';
import { checkTdxRevocation } from './check-tdx-revocation.js';
import { readTdxQuote } from './read-tdx-quote.js';
import { resolveTdxCollateral } from './resolve-tdx-collateral.js';
import { type TdxTcbClaims, tdxClaims } from './tdx-claims.js';
import type { TdxVerifyOptions } from './tdx-options.js';

export type { TdxCollateral, TdxPolicy, TdxVerifyOptions } from './tdx-options.js';

/**
 * Verifies an Intel TDX DCAP quote (v4). Checks, in order: layout; collateral present (or
 * `noCollateral`); PCK chain to the pinned Intel SGX Root CA (validity at `at`); CRLs; the QE
 * report's signature by the PCK key and its binding of the attestation key; the quote signature;
 * TCB info (Intel's signature, validity, platform, TCB level and status); QE identity (signature,
 * validity, identity, TCB status); debug; expected MRTD, RTMRs, MRCONFIGID, PPID; the binding.
 * Throws {@link AttestationError} at the first failure.
 */
export async function verifyTdxQuote(
  quote: Uint8Array,
  options: TdxVerifyOptions = {},
): Promise<VerificationReport> {
  const checks = new CheckList();
  return runChecks(checks, 'tdx.evidence', () => verifyTdx(quote, options, checks));
}

/** The steps, in order; each records its checks and throws at its first failure. */
async function verifyTdx(
  bytes: Uint8Array,
  options: TdxVerifyOptions,
  checks: CheckList,
): Promise<VerificationReport> {
  const at = options.at ?? new Date();
  const quote = readTdxQuote(bytes, options, checks);
  const collateral = resolveTdxCollateral(options, checks);
  const chain = await checkPckChain(quote, at, checks);
  if (collateral) await checkTdxRevocation(chain, collateral, at, checks);
  await checkQeReport(quote, chain, checks);
  await checkQuoteSignature(quote, checks);
  let tcb: TdxTcbClaims = { assessed: false };
  if (collateral) {
    const tdx = await checkTcbInfo(quote, chain, collateral, { ...options, at }, checks);
    const qe = await checkQeIdentity(quote, collateral, { ...options, at }, checks);
    tcb = { assessed: true, tdx, qe };
  }
  checkTdAttributes(quote, options, checks);
  checkTdxExpectedValues(quote, chain, options, checks);
  checkTdxBinding(quote, options, checks);
  return {
    platform: 'tdx',
    measurement: hexEncode(quote.body.mrTd),
    reportData: hexEncode(quote.body.reportData),
    debug: isTdDebug(quote),
    checks: checks.checks,
    claims: tdxClaims(quote, chain, tcb),
    verifiedAt: at.toISOString(),
  };
}
