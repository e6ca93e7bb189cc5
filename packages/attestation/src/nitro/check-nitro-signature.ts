import type { CheckList } from '../verifier/check-list.js';
import type { PublicKey } from '../x509/parse-certificate.js';
import { verifySignature } from '../x509/verify-signature.js';
import { type CoseSign1, coseSign1SigStructure } from './decode-cose-sign1.js';

/**
 * Step 3, signature: the COSE_Sign1 signature over the RFC 9052 §4.4 Sig_structure verifies with the
 * NSM certificate's key. ES384 signatures are r ‖ s, 48 bytes each (RFC 9053 §2.1).
 */
export async function checkNitroSignature(
  cose: CoseSign1,
  leafKey: PublicKey,
  checks: CheckList,
): Promise<void> {
  const signatureOk =
    cose.signature.length === 96 &&
    (await verifySignature(
      leafKey,
      { kind: 'ecdsa', hash: 'SHA-384' },
      coseSign1SigStructure(cose),
      cose.signature,
    ));
  checks.require(
    signatureOk,
    'nitro.signature',
    'ATTESTATION_BAD_SIGNATURE',
    'the COSE_Sign1 signature does not verify with the NSM certificate: the document was altered',
  );
}
