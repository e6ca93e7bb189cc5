import type { CheckList } from '../verifier/check-list.js';
import { COSE_ES384, type CoseSign1, decodeCoseSign1 } from './decode-cose-sign1.js';
import { type NitroDocument, parseNitroDocument } from './parse-nitro-document.js';

/** A Nitro attestation document: the COSE_Sign1 envelope and the document it signs. */
export interface NitroEvidence {
  cose: CoseSign1;
  doc: NitroDocument;
}

/**
 * Step 1, layout: an untagged COSE_Sign1 signed with ES384 whose payload is a well-formed attestation
 * document (strict CBOR; every field typed and within AWS's size limits).
 */
export function readNitroEvidence(bytes: Uint8Array, checks: CheckList): NitroEvidence {
  const cose = decodeCoseSign1(bytes);
  checks.pass('nitro.cose.layout');
  checks.require(
    cose.alg === COSE_ES384,
    'nitro.cose.alg',
    'ATTESTATION_UNSUPPORTED',
    `the document is signed with COSE algorithm ${cose.alg}; Nitro documents use ES384 (-35)`,
    { expected: String(COSE_ES384), found: String(cose.alg) },
  );
  const doc = parseNitroDocument(cose.payload);
  checks.pass('nitro.document.layout', { found: doc.moduleId });
  return { cose, doc };
}
