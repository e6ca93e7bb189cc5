import type { CheckList } from '../verifier/check-list.js';
import type { Certificate } from '../x509/parse-certificate.js';
import { verifySignature } from '../x509/verify-signature.js';
import type { SnpReport } from './parse-snp-report.js';

/**
 * Step 4, signature: the report is signed by the VCEK/VLEK (SEV-SNP ABI spec "Signature Structure":
 * ECDSA P-384 with SHA-384 over bytes 0x0–0x29F; r and s are little-endian in the report, the parser
 * has already turned them big-endian).
 */
export async function checkSnpSignature(
  report: SnpReport,
  leaf: Certificate,
  checks: CheckList,
): Promise<void> {
  const leafKey = leaf.publicKey;
  checks.require(
    leafKey.kind === 'ec' && leafKey.curve === 'P-384',
    'snp.key',
    'ATTESTATION_CERT_CHAIN',
    `the ${report.signingKey.toUpperCase()} does not hold a P-384 key`,
  );
  const signature = new Uint8Array(96);
  signature.set(report.signatureR, 0);
  signature.set(report.signatureS, 48);
  const signed = await verifySignature(leafKey, { kind: 'ecdsa', hash: 'SHA-384' }, report.signed, signature);
  checks.require(
    signed,
    'snp.signature',
    'ATTESTATION_BAD_SIGNATURE',
    `the report signature does not verify with the ${report.signingKey.toUpperCase()}: the report was altered or signed by another chip`,
  );
}
