import { type DecodeOptions, decode } from 'cbor2';
import { AttestationError } from '../attestation-error.js';

/** The CBOR data model subset attestation documents use. */
export type CborValue = number | bigint | string | boolean | null | Uint8Array | CborValue[] | CborMap;
export type CborMap = Map<number | string, CborValue>;

/** Nesting deeper than any attestation document (a Nitro document nests 3 deep). */
const MAX_DEPTH = 16;
/** Larger than any attestation document (a Nitro document is about 4.5 KiB; certificates ≤ 1 KiB each). */
const MAX_INPUT_BYTES = 1 << 20;

/**
 * cbor2 in its strictest mode (RFC 8949): definite lengths only (§4.2.1 "Core Deterministic
 * Encoding" requires them), preferred (shortest) integer and length encodings (§4.2.1), no floats,
 * no simple values besides false/true/null, no `undefined`, no 65-bit negatives, duplicate map keys
 * refused, tags left undecoded (and then refused by {@link checkDataModel}), maps always `Map`.
 * Key order is not enforced: the Nitro Secure Module does not sort its keys.
 */
const STRICT: DecodeOptions = {
  rejectStreaming: true,
  requirePreferred: true,
  rejectLongFloats: true,
  rejectFloats: true,
  rejectSimple: true,
  rejectUndefined: true,
  rejectLargeNegatives: true,
  rejectBigInts: true,
  rejectDuplicateKeys: true,
  preferMap: true,
  ignoreGlobalTags: true,
  tags: null,
  // cbor2 counts an array level twice and a map level once: this bound only protects its recursion;
  // checkDataModel enforces MAX_DEPTH per container.
  maxDepth: 2 * MAX_DEPTH,
};

function bad(what: string, why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `${what}: malformed CBOR (${why})`);
}

/**
 * Decodes exactly one CBOR item spanning all of `bytes`, strictly: definite lengths only, preferred
 * (shortest) argument encodings, no tags, no floats or simple values besides false/true/null, map
 * keys that are integers or text and never repeat, UTF-8 text, at most 16 levels of nesting. Every
 * valid attestation document is encoded this way, and refusing the rest means no two encodings of
 * one document verify. Throws `ATTESTATION_MALFORMED_EVIDENCE` on anything else.
 */
export function decodeCbor(bytes: Uint8Array, what: string): CborValue {
  if (bytes.length > MAX_INPUT_BYTES) throw bad(what, `${bytes.length} bytes is more than any document`);
  let value: unknown;
  try {
    value = decode(bytes, STRICT);
  } catch (err) {
    // cbor2 throws plain Errors (and RangeErrors on truncation): all of them mean malformed input.
    throw bad(what, err instanceof Error ? err.message : String(err));
  }
  return checkDataModel(value, what, 0);
}

/**
 * The checks cbor2 has no option for: only the major types attestation documents use (unsigned and
 * negative integers, byte and text strings, arrays, maps, false/true/null: no tags), integer or text
 * map keys, and a nesting bound. Integers beyond ±(2^53 − 1) come back as bigint, as before; byte
 * strings are copied, so a caller that reuses its input buffer cannot change a decoded document.
 */
function checkDataModel(value: unknown, what: string, depth: number): CborValue {
  if (depth > MAX_DEPTH) throw bad(what, 'nesting too deep');
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      // Floats were refused above, so this is an integer; unsafe ones keep their exact value as bigint.
      return Number.isSafeInteger(value) ? value : BigInt(value);
    case 'object':
      if (value === null) return null;
      if (value instanceof Uint8Array) return value.slice();
      if (Array.isArray(value)) return value.map((item) => checkDataModel(item, what, depth + 1));
      if (value instanceof Map) return checkMap(value, what, depth);
      throw bad(what, 'unexpected tag');
    default:
      throw bad(what, `unsupported value (${typeof value})`);
  }
}

function checkMap(map: Map<unknown, unknown>, what: string, depth: number): CborMap {
  const out: CborMap = new Map();
  for (const [rawKey, item] of map) {
    const key = checkDataModel(rawKey, what, depth + 1);
    if (typeof key !== 'number' && typeof key !== 'string') {
      throw bad(what, 'map key is not an integer or text');
    }
    // cbor2 compares keys by their encoding, which preferred encoding makes unique per value.
    if (out.has(key)) throw bad(what, `duplicate map key ${JSON.stringify(key)}`);
    out.set(key, checkDataModel(item, what, depth + 1));
  }
  return out;
}

/** A CBOR head (RFC 8949 §3) with the preferred argument encoding. */
export function encodeHead(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return new Uint8Array([m | n]);
  if (n < 0x100) return new Uint8Array([m | 24, n]);
  if (n < 0x1_0000) return new Uint8Array([m | 25, n >> 8, n & 0xff]);
  return new Uint8Array([m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}
