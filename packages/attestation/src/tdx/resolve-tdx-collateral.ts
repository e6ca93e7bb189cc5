import type { CheckList } from '../verifier/check-list.js';
import { type Certificate, decodePemCertificates, parseCertificate } from '../x509/parse-certificate.js';
import { type Crl, crlBytes, parseCrl } from './parse-crl.js';
import { parseQeIdentity, type QeIdentity } from './parse-qe-identity.js';
import { parseTcbInfo, type TdxTcbInfo } from './parse-tcb-info.js';
import type { TdxCollateral, TdxVerifyOptions } from './tdx-options.js';

/** Intel collateral, parsed (signatures and dates are checked by later steps). */
export interface ResolvedTdxCollateral {
  tcbInfo: TdxTcbInfo;
  /** TCB Signing certificate, then the root. */
  tcbInfoChain: Certificate[];
  qeIdentity: QeIdentity;
  qeIdentityChain: Certificate[];
  pckCrl: Crl;
  /** The PCK CRL's issuer chain when supplied (CA, then root). */
  pckCrlChain?: Certificate[];
  rootCrl: Crl;
}

const REQUIRED = [
  'tcbInfo',
  'tcbInfoIssuerChain',
  'qeIdentity',
  'qeIdentityIssuerChain',
  'pckCrl',
  'rootCrl',
] as const satisfies readonly (keyof TdxCollateral)[];

function chain(pem: string): Certificate[] {
  return decodePemCertificates(pem).map(parseCertificate);
}

/**
 * Step 2, collateral: TCB info, QE identity (each with its issuer chain), the PCK CRL and the root
 * CRL must all be there, or the caller must have said `noCollateral`, in which case nothing of the
 * TCB status, the QE identity or revocation is assessed and the report says so.
 */
export function resolveTdxCollateral(
  options: TdxVerifyOptions,
  checks: CheckList,
): ResolvedTdxCollateral | undefined {
  if (options.noCollateral === true) {
    checks.pass('tdx.collateral', {
      expected: 'TCB info, QE identity, PCK CRL, root CRL',
      found: 'not assessed (noCollateral): TCB status, QE identity and revocation unchecked',
    });
    return undefined;
  }
  const c = options.collateral ?? {};
  const missing = REQUIRED.filter((k) => c[k] === undefined);
  checks.require(
    missing.length === 0,
    'tdx.collateral',
    'ATTESTATION_MISSING_COLLATERAL',
    `TDX collateral is missing ${missing.join(', ')}: fetch it from Intel's PCS (or a PCCS), or pass noCollateral to verify the quote and PCK chain only (the TCB status is then not assessed)`,
    { expected: REQUIRED.join(','), found: REQUIRED.filter((k) => c[k] !== undefined).join(',') || 'none' },
  );
  const resolved: ResolvedTdxCollateral = {
    tcbInfo: parseTcbInfo(c.tcbInfo!),
    tcbInfoChain: chain(c.tcbInfoIssuerChain!),
    qeIdentity: parseQeIdentity(c.qeIdentity!),
    qeIdentityChain: chain(c.qeIdentityIssuerChain!),
    pckCrl: parseCrl(crlBytes(c.pckCrl!)),
    rootCrl: parseCrl(crlBytes(c.rootCrl!)),
  };
  if (c.pckCrlIssuerChain !== undefined) resolved.pckCrlChain = chain(c.pckCrlIssuerChain);
  checks.pass('tdx.collateral.parsed', {
    found: `TCB info (evaluation ${resolved.tcbInfo.tcbEvaluationDataNumber}), QE identity (evaluation ${resolved.qeIdentity.tcbEvaluationDataNumber}), PCK CRL, root CRL`,
  });
  return resolved;
}
