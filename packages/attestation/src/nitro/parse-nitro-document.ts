import { AttestationError } from '../attestation-error.js';
import { type CborValue, decodeCbor } from '../cbor/decode-cbor.js';

/** The payload of a Nitro Enclaves attestation document. */
export interface NitroDocument {
  moduleId: string;
  /** Always "SHA384". */
  digest: string;
  /** When the NSM signed the document (milliseconds since the Unix epoch, UTC). */
  timestamp: Date;
  /** Platform configuration registers present, index → value. */
  pcrs: Map<number, Uint8Array>;
  /** The NSM's signing certificate (DER). */
  certificate: Uint8Array;
  /** Issuing chain, root first (DER). */
  cabundle: Uint8Array[];
  publicKey?: Uint8Array;
  userData?: Uint8Array;
  nonce?: Uint8Array;
}

const KEYS = new Set([
  'module_id',
  'digest',
  'timestamp',
  'pcrs',
  'certificate',
  'cabundle',
  'public_key',
  'user_data',
  'nonce',
]);

function bad(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `Nitro attestation document: ${why}`);
}

function optionalBytes(
  map: Map<number | string, CborValue>,
  key: string,
  min: number,
  max: number,
): Uint8Array | undefined {
  const v = map.get(key);
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof Uint8Array)) throw bad(`${key} is not a byte string`);
  if (v.length < min || v.length > max) throw bad(`${key} is ${v.length} bytes (allowed ${min}..${max})`);
  return v;
}

/**
 * Parses the CBOR payload of a Nitro attestation document with the syntactic checks of AWS's
 * "Verifying the root of trust" (Nitro Enclaves User Guide, attestation document validation): every
 * mandatory field present with its type and size, PCR indexes 0..31 of 32/48/64 bytes, 1..1024-byte
 * certificates, optional fields within their limits, and no unknown fields.
 */
export function parseNitroDocument(payload: Uint8Array): NitroDocument {
  const map = decodeCbor(payload, 'Nitro attestation document');
  if (!(map instanceof Map)) throw bad('payload is not a map');
  for (const key of map.keys()) {
    if (typeof key !== 'string' || !KEYS.has(key)) throw bad(`unknown field ${JSON.stringify(key)}`);
  }
  const moduleId = map.get('module_id');
  if (typeof moduleId !== 'string' || moduleId.length === 0) throw bad('module_id is missing or empty');
  const digest = map.get('digest');
  if (digest !== 'SHA384') throw bad(`digest is ${JSON.stringify(digest)}, expected "SHA384"`);
  const ts = map.get('timestamp');
  if (typeof ts !== 'number' || ts <= 0 || ts > 8.64e15) throw bad('timestamp is missing or out of range');
  const pcrMap = map.get('pcrs');
  if (!(pcrMap instanceof Map) || pcrMap.size < 1 || pcrMap.size > 32)
    throw bad('pcrs must be a map of 1..32 entries');
  const pcrs = new Map<number, Uint8Array>();
  for (const [index, value] of pcrMap) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 31) {
      throw bad(`PCR index ${String(index)} out of range 0..31`);
    }
    if (!(value instanceof Uint8Array) || ![32, 48, 64].includes(value.length)) {
      throw bad(`PCR${index} is not 32, 48 or 64 bytes`);
    }
    pcrs.set(index, value);
  }
  const certificate = optionalBytes(map, 'certificate', 1, 1024);
  if (!certificate) throw bad('certificate is missing');
  const bundle = map.get('cabundle');
  if (!Array.isArray(bundle) || bundle.length < 1) throw bad('cabundle must hold at least one certificate');
  const cabundle = bundle.map((c, i) => {
    if (!(c instanceof Uint8Array) || c.length < 1 || c.length > 1024)
      throw bad(`cabundle[${i}] is not a 1..1024-byte certificate`);
    return c;
  });
  const doc: NitroDocument = { moduleId, digest, timestamp: new Date(ts), pcrs, certificate, cabundle };
  const publicKey = optionalBytes(map, 'public_key', 1, 1024);
  if (publicKey) doc.publicKey = publicKey;
  const userData = optionalBytes(map, 'user_data', 0, 512);
  if (userData) doc.userData = userData;
  const nonce = optionalBytes(map, 'nonce', 0, 512);
  if (nonce) doc.nonce = nonce;
  return doc;
}
