import { type DecodeOptions, decode, encode, Tag } from 'cbor2';
import { CBOR_DEFAULT_LIMITS, type CborLimits, scanCbor } from './cbor/scan-cbor.js';
import { ProtocolError } from './protocol-error.js';

export { CBOR_DEFAULT_LIMITS, type CborLimits } from './cbor/scan-cbor.js';

/**
 * Deepest nesting accepted (arrays and maps) when encoding or decoding: 128 nested containers
 * pass, 129 fail, on both sides (docs/protocol.md §7).
 */
export const CBOR_MAX_DEPTH = 128;

type KeyValue = [key: unknown, value: unknown, keyEncoded: Uint8Array];

function createPlainObject(entries: KeyValue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    if (typeof key !== 'string') throw new TypeError('map keys must be text strings');
    if (Object.hasOwn(out, key)) throw new TypeError(`duplicate map key ${JSON.stringify(key)}`);
    // defineProperty, not assignment: a "__proto__" key stays an ordinary own property.
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const decodeOptions: DecodeOptions = {
  // scanCbor bounds the depth first (cbor2 counts a container's items as levels of their own, so
  // its own maxDepth of 128 refused 65 nested arrays); this is only a backstop.
  maxDepth: 4 * CBOR_MAX_DEPTH + 4,
  rejectStreaming: true,
  // createPlainObject refuses duplicates in O(1) per key; cbor2's own check is quadratic (50 000 keys: 8 s).
  rejectDuplicateKeys: false,
  rejectSimple: true,
  rejectUndefined: true,
  rejectBigInts: true,
  ignoreGlobalTags: true,
  collapseBigInts: true,
  tags: null,
  createObject: (entries) => createPlainObject(entries),
};

function checkDecoded(value: unknown, depth: number): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number' || value instanceof Uint8Array) return;
  if (depth >= CBOR_MAX_DEPTH) throw new TypeError('nested too deeply');
  if (Array.isArray(value)) {
    for (const item of value) checkDecoded(item, depth + 1);
    return;
  }
  if (value instanceof Tag) throw new TypeError(`tag ${String(value.tag)} is not allowed`);
  if (typeof value === 'bigint') throw new TypeError('integers beyond ±2^53 are not allowed');
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) checkDecoded(item, depth + 1);
    return;
  }
  throw new TypeError(`unexpected ${typeof value} item`);
}

/**
 * Decodes one CBOR data item (RFC 8949) under the protocol's strict profile: definite lengths only,
 * no tags, no simple values other than false/true/null, no undefined, integers within ±2^53, map
 * keys are distinct text strings, nothing after the item. Maps become plain objects, byte strings
 * `Uint8Array`, numbers JS numbers. Non-preferred (longer) encodings of lengths and numbers are
 * accepted, so that other CBOR encoders interoperate. Before building anything, the input's
 * structure is walked against `limits` (depth, item count, size), so a hostile input fails in time
 * proportional to the limit, not to its own size.
 *
 * @param limits - default {@link CBOR_DEFAULT_LIMITS} (depth 128, 262 144 items, 64 MiB).
 * @throws ProtocolError `PROTOCOL_LIMIT_EXCEEDED` over the item count or size limit,
 *   `PROTOCOL_MALFORMED_ENCODING` on anything else (including nesting deeper than 128).
 */
export function decodeCbor(bytes: Uint8Array, limits?: Partial<CborLimits>): unknown {
  let value: unknown;
  try {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new TypeError('empty input');
    scanCbor(bytes, limits === undefined ? CBOR_DEFAULT_LIMITS : { ...CBOR_DEFAULT_LIMITS, ...limits });
    value = decode(bytes, decodeOptions);
    checkDecoded(value, 0);
  } catch (cause) {
    if (cause instanceof ProtocolError) throw cause;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ProtocolError('PROTOCOL_MALFORMED_ENCODING', `invalid CBOR: ${why}`, { cause });
  }
  return value;
}

function normalise(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'number':
      return value;
    case 'object': {
      if (value === null) return null;
      if (value instanceof Uint8Array) {
        // A Buffer (or other subclass) must still encode as a plain byte string.
        return value.constructor === Uint8Array ? value : new Uint8Array(value);
      }
      if (value instanceof ArrayBuffer) return new Uint8Array(value);
      if (depth >= CBOR_MAX_DEPTH) throw new TypeError('cannot encode: nested too deeply (or a cycle)');
      // JSON's semantics for undefined in arrays, so that encoders agree on the array length.
      if (Array.isArray(value))
        return value.map((item) => (item === undefined ? null : normalise(item, depth + 1)));
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`cannot encode an instance of ${proto?.constructor?.name ?? 'an unknown class'}`);
      }
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        // JSON's semantics: an undefined property is absent.
        if (item === undefined) continue;
        Object.defineProperty(out, key, {
          value: normalise(item, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    default:
      throw new TypeError(`cannot encode a ${typeof value}`);
  }
}

/**
 * Encodes a value as CBOR with RFC 8949 §4.2.1 core deterministic encoding (shortest lengths and
 * integers, shortest exact float, map keys sorted by their encoded bytes). Supported values: null,
 * booleans, numbers, strings, `Uint8Array` (a byte string; also `ArrayBuffer`), arrays and plain
 * objects. As in JSON, properties whose value is `undefined` are omitted and `undefined` array
 * items become null.
 *
 * @throws TypeError for any other value (bigint, Date, Map, class instances, functions, cycles).
 */
export function encodeCbor(value: unknown): Uint8Array {
  if (value === undefined) throw new TypeError('cannot encode undefined');
  return encode(normalise(value, 0), { cde: true, rejectUndefined: true });
}
