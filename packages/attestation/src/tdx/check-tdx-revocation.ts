import { equalBytes } from '@blindbox/bytes';
import type { CheckList } from '../verifier/check-list.js';
import { checkCrl, requireNotRevoked } from './check-crl.js';
import type { PckChain } from './check-pck-chain.js';
import type { ResolvedTdxCollateral } from './resolve-tdx-collateral.js';

/**
 * Step 4, CRLs: the root CRL (signed by the pinned root) does not list the PCK CA, and the PCK CRL
 * (signed by that CA, the one in the quote) does not list the PCK; both current at `at`. A supplied
 * PCK CRL issuer chain must name the very CA of the quote.
 */
export async function checkTdxRevocation(
  chain: PckChain,
  collateral: ResolvedTdxCollateral,
  at: Date,
  checks: CheckList,
): Promise<void> {
  await checkCrl(collateral.rootCrl, chain.root, at, 'tdx.crl.root', checks);
  requireNotRevoked(collateral.rootCrl, chain.ca, 'tdx.crl.root.ca', checks);
  if (collateral.pckCrlChain) {
    const [ca, root, ...rest] = collateral.pckCrlChain;
    checks.require(
      ca !== undefined &&
        equalBytes(ca.der, chain.ca.der) &&
        (root === undefined || equalBytes(root.der, chain.root.der)) &&
        rest.length === 0,
      'tdx.crl.pck.issuerChain',
      'ATTESTATION_COLLATERAL_MISMATCH',
      `the PCK CRL issuer chain does not name the quote's CA "${chain.ca.subjectCommonName}" and the pinned root`,
      { expected: chain.ca.subjectCommonName, found: ca?.subjectCommonName ?? '(empty)' },
    );
  }
  await checkCrl(collateral.pckCrl, chain.ca, at, 'tdx.crl.pck', checks);
  requireNotRevoked(collateral.pckCrl, chain.pck, 'tdx.crl.pck.pck', checks);
}
