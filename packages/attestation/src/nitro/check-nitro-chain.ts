import { PINNED_ROOTS } from '../pinned-roots.js';
import type { CheckList } from '../verifier/check-list.js';
import { type PublicKey, parseCertificate } from '../x509/parse-certificate.js';
import { type ChainLink, verifyCertificateChain } from '../x509/verify-certificate-chain.js';
import type { NitroDocument } from './parse-nitro-document.js';

/**
 * Step 2, chain: `cabundle[0]` is the pinned AWS Nitro root, each next certificate is issued by the
 * previous one and the document's certificate by the last, every one valid at `at`. Returns the NSM
 * certificate's P-384 key, which must have signed the document.
 */
export async function checkNitroChain(doc: NitroDocument, at: Date, checks: CheckList): Promise<PublicKey> {
  const certs = [...doc.cabundle, doc.certificate].map((der) => parseCertificate(der));
  const links: ChainLink[] = certs
    .map((cert, i) => ({
      label: i === 0 ? 'root' : i === certs.length - 1 ? 'leaf' : `intermediate${i}`,
      cert,
    }))
    .reverse();
  await verifyCertificateChain(links, {
    at,
    pinnedRootSha256: [PINNED_ROOTS.awsNitro],
    checks,
    prefix: 'nitro.chain',
  });
  const leafKey = certs[certs.length - 1]!.publicKey;
  checks.require(
    leafKey.kind === 'ec' && leafKey.curve === 'P-384',
    'nitro.leaf.key',
    'ATTESTATION_CERT_CHAIN',
    'the NSM certificate does not hold a P-384 key',
  );
  return leafKey;
}
