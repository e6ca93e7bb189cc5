import { concatBytes, utf8Encode } from '@blindbox/bytes';
import { AttestationError } from '../attestation-error.js';
import { type CborValue, decodeCbor, encodeHead } from '../cbor/decode-cbor.js';

/** A COSE_Sign1 message (RFC 9052 §4.2). */
export interface CoseSign1 {
  /** The serialized protected header bucket, as signed. */
  protectedBytes: Uint8Array;
  /** COSE algorithm id from the protected header (RFC 9053 §2.1: -35 = ES384). */
  alg: number;
  payload: Uint8Array;
  signature: Uint8Array;
}

/** COSE algorithm ES384 (RFC 9053 §2.1). */
export const COSE_ES384 = -35;

function bad(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `COSE_Sign1: ${why}`);
}

/**
 * Decodes an untagged COSE_Sign1 (RFC 9052 §4.2), as the Nitro Secure Module emits it:
 * `[protected: bstr .cbor {1: alg}, unprotected: {}, payload: bstr, signature: bstr]`. Strict: the
 * protected header holds exactly the algorithm and the unprotected header is empty, since nothing
 * in either would be checked.
 */
export function decodeCoseSign1(bytes: Uint8Array): CoseSign1 {
  const top = decodeCbor(bytes, 'COSE_Sign1');
  if (!Array.isArray(top) || top.length !== 4) throw bad('not a 4-element array');
  const [protectedBytes, unprotected, payload, signature] = top as [
    CborValue,
    CborValue,
    CborValue,
    CborValue,
  ];
  if (!(protectedBytes instanceof Uint8Array)) throw bad('protected header is not a byte string');
  if (!(unprotected instanceof Map) || unprotected.size !== 0)
    throw bad('unprotected header is not an empty map');
  if (!(payload instanceof Uint8Array))
    throw bad('payload is not a byte string (detached payloads are not supported)');
  if (!(signature instanceof Uint8Array)) throw bad('signature is not a byte string');
  const header = decodeCbor(protectedBytes, 'COSE protected header');
  if (!(header instanceof Map) || header.size !== 1)
    throw bad('protected header must hold exactly the algorithm');
  const alg = header.get(1);
  if (typeof alg !== 'number') throw bad('protected header has no algorithm');
  return { protectedBytes, alg, payload, signature };
}

const SIGNATURE1 = utf8Encode('Signature1');

/** The bytes a COSE_Sign1 signature covers (RFC 9052 §4.4): `["Signature1", protected, external_aad, payload]`. */
export function coseSign1SigStructure(
  message: CoseSign1,
  externalAad: Uint8Array = new Uint8Array(0),
): Uint8Array {
  return concatBytes(
    encodeHead(4, 4),
    encodeHead(3, SIGNATURE1.length),
    SIGNATURE1,
    encodeHead(2, message.protectedBytes.length),
    message.protectedBytes,
    encodeHead(2, externalAad.length),
    externalAad,
    encodeHead(2, message.payload.length),
    message.payload,
  );
}
