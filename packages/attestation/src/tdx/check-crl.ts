import { equalBytes, hexEncode } from '@blindbox/bytes';
import type { CheckList } from '../verifier/check-list.js';
import type { Certificate } from '../x509/parse-certificate.js';
import { ecdsaDerToP1363, verifySignature } from '../x509/verify-signature.js';
import type { Crl } from './parse-crl.js';

/**
 * A CRL is usable at `at` when the certificate it names as issuer signed it (RFC 5280 §6.3.3 (f),
 * (g)) and `at` lies between thisUpdate and nextUpdate (§6.3.3 (a)(2): a CRL past nextUpdate may
 * omit revocations made since).
 */
export async function checkCrl(
  crl: Crl,
  issuer: Certificate,
  at: Date,
  name: string,
  checks: CheckList,
): Promise<void> {
  checks.require(
    equalBytes(crl.issuer, issuer.subject),
    `${name}.issuer`,
    'ATTESTATION_COLLATERAL_MISMATCH',
    `the ${name} CRL is not issued by "${issuer.subjectCommonName}"`,
    { expected: issuer.subjectCommonName },
  );
  const signature = issuer.publicKey.kind === 'ec' ? ecdsaDerToP1363(crl.signature, 32) : undefined;
  const signed =
    signature !== undefined &&
    (await verifySignature(issuer.publicKey, { kind: 'ecdsa', hash: 'SHA-256' }, crl.tbs, signature));
  checks.require(
    signed,
    `${name}.signature`,
    'ATTESTATION_BAD_SIGNATURE',
    `the ${name} CRL is not signed by "${issuer.subjectCommonName}"`,
    { expected: `signed by ${issuer.subjectCommonName}`, found: signed ? 'valid' : 'invalid' },
  );
  checks.require(
    at.getTime() >= crl.thisUpdate.getTime() && at.getTime() <= crl.nextUpdate.getTime(),
    `${name}.validity`,
    'ATTESTATION_COLLATERAL_EXPIRED',
    `the ${name} CRL is valid from ${crl.thisUpdate.toISOString()} to ${crl.nextUpdate.toISOString()}, not at ${at.toISOString()}: fetch a current one`,
    { expected: `${crl.thisUpdate.toISOString()}..${crl.nextUpdate.toISOString()}`, found: at.toISOString() },
  );
}

/** The certificate's serial number is not on the CRL (RFC 5280 §6.3.3 (i)). */
export function requireNotRevoked(crl: Crl, cert: Certificate, name: string, checks: CheckList): void {
  const serial = hexEncode(cert.serialNumber);
  checks.require(
    !crl.revoked.has(serial),
    name,
    'ATTESTATION_CERT_REVOKED',
    `certificate "${cert.subjectCommonName}" (serial ${serial}) is revoked by Intel: its key may be compromised`,
    { expected: 'not revoked', found: crl.revoked.has(serial) ? 'revoked' : `serial ${serial} not listed` },
  );
}
