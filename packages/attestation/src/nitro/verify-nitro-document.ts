import { hexEncode } from '@blindbox/bytes';
import type { VerificationReport } from '../verification-report.js';
import { CheckList, runChecks } from '../verifier/check-list.js';
import { checkNitroBinding } from './check-nitro-binding.js';
import { checkNitroChain } from './check-nitro-chain.js';
import { checkNitroDebug } from './check-nitro-debug.js';
import { checkNitroExpectedValues } from './check-nitro-expected-values.js';
import { checkNitroFreshness } from './check-nitro-freshness.js';
import { checkNitroSignature } from './check-nitro-signature.js';
import { nitroClaims, nitroPcrs } from './nitro-claims.js';
import type { NitroVerifyOptions } from './nitro-policy.js';
import { readNitroEvidence } from './read-nitro-evidence.js';

export type { NitroPcrIndex, NitroPcrSet, NitroPolicy, NitroVerifyOptions } from './nitro-policy.js';

/**
 * Verifies a Nitro Enclaves attestation document (AWS Nitro Enclaves User Guide, "Verifying the root
 * of trust"): COSE_Sign1 layout, the cabundle chain to the pinned AWS root with every certificate
 * valid at `at`, the ES384 signature by the leaf, freshness, debug mode, PCRs, and the nonce, public
 * key and user data against the binding. Throws {@link AttestationError} at the first failure.
 */
export async function verifyNitroDocument(
  document: Uint8Array,
  options: NitroVerifyOptions = {},
): Promise<VerificationReport> {
  const checks = new CheckList();
  return runChecks(checks, 'nitro.evidence', () => verifyNitro(document, options, checks));
}

/** The steps, in order; each records its checks and throws at its first failure. */
async function verifyNitro(
  bytes: Uint8Array,
  options: NitroVerifyOptions,
  checks: CheckList,
): Promise<VerificationReport> {
  const at = options.at ?? new Date();
  const { cose, doc } = readNitroEvidence(bytes, checks);
  const leafKey = await checkNitroChain(doc, at, checks);
  await checkNitroSignature(cose, leafKey, checks);
  checkNitroFreshness(doc, at, options, checks);
  const { pcr0, debug } = checkNitroDebug(doc, options, checks);
  checkNitroExpectedValues(doc, pcr0, options, checks);
  checkNitroBinding(doc, options, checks);
  return {
    platform: 'nitro',
    measurement: hexEncode(pcr0),
    reportData: doc.userData ? hexEncode(doc.userData) : '',
    pcrs: nitroPcrs(doc),
    debug,
    checks: checks.checks,
    claims: nitroClaims(doc),
    verifiedAt: at.toISOString(),
  };
}
