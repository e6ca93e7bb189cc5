import { equalBytes, hexEncode } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import type { CheckList } from '../verifier/check-list.js';
import type { Certificate } from './parse-certificate.js';
import { verifyCertificateSignature } from './verify-signature.js';

/** A certificate in a chain with the role it plays, used in check names (`snp.chain.vcek.validity`). */
export interface ChainLink {
  label: string;
  cert: Certificate;
}

/** Extensions this verifier understands; RFC 5280 §4.2 requires rejecting any other critical one. */
const UNDERSTOOD_CRITICAL = new Set(['2.5.29.19', '2.5.29.15']);

/** SHA-256 of a certificate's DER, lowercase hex: the fingerprint pinned roots are compared by. */
export function certificateFingerprint(cert: Certificate): string {
  return hexEncode(sha256(cert.der));
}

/**
 * Verifies a chain ordered leaf first, root last: the root's fingerprint is pinned, every certificate
 * is within its validity period at `at` (never skipped), each is signed by the next one (the root by
 * itself), names chain, and every issuer is a CA (basicConstraints, keyUsage, pathLen).
 * Checks are recorded from the root down, so the first failure reported is the one nearest the root.
 */
export async function verifyCertificateChain(
  links: readonly ChainLink[],
  options: { at: Date; pinnedRootSha256: readonly string[]; checks: CheckList; prefix: string },
): Promise<void> {
  const { at, checks, prefix } = options;
  const root = links[links.length - 1];
  if (!root) throw new TypeError('empty certificate chain');
  const fingerprint = certificateFingerprint(root.cert);
  checks.require(
    options.pinnedRootSha256.includes(fingerprint),
    `${prefix}.${root.label}.pinned`,
    'ATTESTATION_UNTRUSTED_ROOT',
    `the chain ends at "${root.cert.subjectCommonName}" (SHA-256 ${fingerprint}), which is not a pinned root; evidence from this platform cannot be trusted`,
    { expected: options.pinnedRootSha256.join(','), found: fingerprint },
  );

  for (let i = links.length - 1; i >= 0; i--) {
    const { label, cert } = links[i]!;
    const issuer = links[i + 1] ?? links[i]!;
    const name = `${prefix}.${label}`;
    const inPeriod = at.getTime() >= cert.notBefore.getTime() && at.getTime() <= cert.notAfter.getTime();
    checks.require(
      inPeriod,
      `${name}.validity`,
      'ATTESTATION_CERT_EXPIRED',
      `${label} certificate "${cert.subjectCommonName}" is valid from ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()}, not at ${at.toISOString()}`,
      {
        expected: `${cert.notBefore.toISOString()}..${cert.notAfter.toISOString()}`,
        found: at.toISOString(),
      },
    );
    const unknownCritical = [...cert.extensions].filter(
      ([oid, ext]) => ext.critical && !UNDERSTOOD_CRITICAL.has(oid),
    );
    checks.require(
      unknownCritical.length === 0,
      `${name}.extensions`,
      'ATTESTATION_CERT_CHAIN',
      `${label} certificate has critical extensions this verifier does not understand (RFC 5280 §4.2)`,
      { found: unknownCritical.map(([oid]) => oid).join(',') || 'none' },
    );
    const issuerCert = issuer.cert;
    // RFC 5280 §4.2.1.9 and §4.2.1.3: only a CA whose key may sign certificates issues one, and
    // pathLen bounds the CA certificates below it (links 1..i; the leaf is not counted).
    const selfSigned = issuer === links[i];
    const pathLength = issuerCert.basicConstraints?.pathLength;
    const pathOk =
      issuerCert.basicConstraints?.ca === true &&
      (issuerCert.keyUsage === undefined || ((issuerCert.keyUsage[0] ?? 0) & 0x04) !== 0) &&
      (selfSigned || pathLength === undefined || i <= pathLength);
    const namesChain = equalBytes(cert.issuer, issuerCert.subject);
    checks.require(
      namesChain && pathOk,
      `${name}.issuer`,
      'ATTESTATION_CERT_CHAIN',
      namesChain
        ? `${issuer.label} certificate "${issuerCert.subjectCommonName}" is not allowed to issue certificates`
        : `${label} certificate is issued by "${cert.issuerCommonName}", not by the ${issuer.label} "${issuerCert.subjectCommonName}"`,
      { expected: issuerCert.subjectCommonName, found: cert.issuerCommonName },
    );
    if (i === links.length - 1 && selfSigned) {
      // The root's whole DER, self-signature included, matched a pinned fingerprint above: checking
      // that signature again proves nothing more (and costs an RSA-4096 or P-384 verification).
      checks.pass(`${name}.signature`, { expected: 'pinned root', found: `sha256:${fingerprint}` });
      continue;
    }
    const signed = await verifyCertificateSignature(cert, issuerCert.publicKey);
    checks.require(
      signed,
      `${name}.signature`,
      'ATTESTATION_CERT_CHAIN',
      `${label} certificate "${cert.subjectCommonName}" is not signed by the ${issuer.label} "${issuerCert.subjectCommonName}"`,
      { expected: `signed by ${issuer.label}`, found: signed ? 'valid' : 'invalid' },
    );
  }
}
