import { CBOR_DEFAULT_LIMITS, type CborLimits } from './cbor/cbor-limits.js';
import { decodeStrict } from './cbor/decode-strict.js';
import { encodeDeterministic } from './cbor/encode-cbor.js';
import { ProtocolError } from './protocol-error.js';

export { CBOR_DEFAULT_LIMITS, type CborLimits } from './cbor/cbor-limits.js';

/**
 * Deepest nesting accepted (arrays and maps) when encoding or decoding: 128 nested containers
 * pass, 129 fail, on both sides (docs/protocol.md §7).
 */
export const CBOR_MAX_DEPTH = 128;

/**
 * Decodes one CBOR data item (RFC 8949) under the protocol's strict profile: definite lengths only,
 * no tags, no simple values other than false/true/null, no undefined, integers within ±2^53, map
 * keys are distinct text strings, nothing after the item. Maps become plain objects, byte strings
 * `Uint8Array`, numbers JS numbers. Non-preferred (longer) encodings of lengths and numbers are
 * accepted, so that other CBOR encoders interoperate. Before building anything, the input's
 * limits (depth, item count, size) are checked while decoding, so a hostile input fails in time
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
    value = decodeStrict(
      bytes,
      limits === undefined ? CBOR_DEFAULT_LIMITS : { ...CBOR_DEFAULT_LIMITS, ...limits },
    );
  } catch (cause) {
    if (cause instanceof ProtocolError) throw cause;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ProtocolError('PROTOCOL_MALFORMED_ENCODING', `invalid CBOR: ${why}`, { cause });
  }
  return value;
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
  return encodeDeterministic(value);
}
