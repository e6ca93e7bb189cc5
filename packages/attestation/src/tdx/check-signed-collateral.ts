import { PINNED_ROOTS } from '../pinned-roots.js';
import type { CheckList } from '../verifier/check-list.js';
import type { Certificate } from '../x509/parse-certificate.js';
import { verifyCertificateChain } from '../x509/verify-certificate-chain.js';
import { verifySignature } from '../x509/verify-signature.js';
import { requireNotRevoked } from './check-crl.js';
import type { Crl } from './parse-crl.js';
import type { SignedJson } from './parse-signed-collateral.js';
import type { TcbStatus } from './parse-tcb-info.js';
import type { TdxPolicy } from './tdx-options.js';

/** TCB info or QE identity: Intel signed it with its TCB Signing key, for `issueDate..nextUpdate`. */
export interface SignedCollateral extends SignedJson {
  issueDate: Date;
  nextUpdate: Date;
}

/**
 * Intel's signature on a TCB info or QE identity: the issuer chain is Intel SGX TCB Signing → the
 * pinned root (valid at `at`, the signing certificate not on the root CRL), its key signed the exact
 * served bytes (ECDSA P-256), and `at` lies within issueDate..nextUpdate (after nextUpdate Intel may
 * have published a newer TCB evaluation that downgrades this platform).
 */
export async function checkSignedCollateral(
  item: SignedCollateral,
  chain: readonly Certificate[],
  rootCrl: Crl,
  options: { at: Date; name: string; what: string },
  checks: CheckList,
): Promise<void> {
  const { at, name, what } = options;
  const [signing, root, ...rest] = chain;
  checks.require(
    signing !== undefined &&
      root !== undefined &&
      rest.length === 0 &&
      signing.subjectCommonName === 'Intel SGX TCB Signing',
    `${name}.chain.kind`,
    'ATTESTATION_CERT_CHAIN',
    `the ${what} issuer chain must be "Intel SGX TCB Signing" then the Intel SGX Root CA (${chain.length} certificates given)`,
    {
      expected: 'Intel SGX TCB Signing, Intel SGX Root CA',
      found: chain.map((c) => c.subjectCommonName).join(', '),
    },
  );
  const signer = signing as Certificate;
  await verifyCertificateChain(
    [
      { label: 'tcbSigning', cert: signer },
      { label: 'root', cert: root as Certificate },
    ],
    { at, pinnedRootSha256: [PINNED_ROOTS.intelSgxRoot], checks, prefix: `${name}.chain` },
  );
  requireNotRevoked(rootCrl, signer, `${name}.chain.revocation`, checks);
  const signed = await verifySignature(
    signer.publicKey,
    { kind: 'ecdsa', hash: 'SHA-256' },
    item.signed,
    item.signature,
  );
  checks.require(
    signed,
    `${name}.signature`,
    'ATTESTATION_BAD_SIGNATURE',
    `the ${what} is not signed by Intel's TCB Signing key: it was altered`,
    { expected: 'signed by Intel SGX TCB Signing', found: signed ? 'valid' : 'invalid' },
  );
  checks.require(
    at.getTime() >= item.issueDate.getTime() && at.getTime() <= item.nextUpdate.getTime(),
    `${name}.validity`,
    'ATTESTATION_COLLATERAL_EXPIRED',
    `the ${what} is valid from ${item.issueDate.toISOString()} to ${item.nextUpdate.toISOString()}, not at ${at.toISOString()}: fetch a current one from Intel's PCS`,
    {
      expected: `${item.issueDate.toISOString()}..${item.nextUpdate.toISOString()}`,
      found: at.toISOString(),
    },
  );
}

/** A TCB status is accepted when the policy lists it; `Revoked` never is. */
export function requireAcceptedTcbStatus(
  status: TcbStatus,
  advisoryIds: readonly string[],
  policy: TdxPolicy,
  name: string,
  what: string,
  checks: CheckList,
): void {
  const accepted = policy.acceptedTcbStatuses ?? ['UpToDate'];
  const advisories = advisoryIds.length > 0 ? ` (advisories ${advisoryIds.join(', ')})` : '';
  checks.require(
    status !== 'Revoked' && accepted.includes(status),
    name,
    'ATTESTATION_TCB',
    `the ${what} TCB status is ${status}${advisories}, which the policy does not accept: the platform needs an update${status === 'Revoked' ? ' (Revoked is never accepted)' : ''}`,
    { expected: accepted.filter((s) => s !== 'Revoked').join(','), found: status },
  );
}
