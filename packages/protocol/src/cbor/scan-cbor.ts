import { ProtocolError } from '../protocol-error.js';

/** Bounds on one CBOR input (docs/protocol.md §7, §11.9). */
export interface CborLimits {
  /** Deepest nesting of arrays and maps: 128 nested containers pass, 129 fail. Default: 128. */
  maxDepth: number;
  /**
   * Most data items (every array, map, key, value and scalar counts one). Default: 262 144. A
   * receiver that knows the schema passes a tighter bound (e.g. from `maxItems` of its arrays).
   */
  maxItems: number;
  /** Largest input in bytes. Default: 64 MiB. */
  maxBytes: number;
}

/** The default {@link CborLimits}. */
export const CBOR_DEFAULT_LIMITS: Readonly<CborLimits> = Object.freeze({
  maxDepth: 128,
  maxItems: 262_144,
  maxBytes: 64 * 1024 * 1024,
});

const malformed = (why: string): never => {
  throw new TypeError(why);
};
const exceeded = (why: string): never => {
  throw new ProtocolError('PROTOCOL_LIMIT_EXCEEDED', `CBOR input ${why}`);
};

/**
 * The argument of the head at `pos` (RFC 8949 §3): [value, bytes consumed by the head]. Lengths
 * beyond 2^53 cannot be satisfied by any input in memory, so they are reported as truncation.
 */
function readArgument(bytes: Uint8Array, pos: number, ai: number): [number, number] {
  if (ai < 24) return [ai, 1];
  const size = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
  if (size === 0)
    return malformed(ai === 31 ? 'indefinite lengths are not allowed' : 'reserved additional info');
  if (pos + 1 + size > bytes.length) return malformed('truncated head');
  let value = 0;
  for (let i = 1; i <= size; i++) value = value * 256 + (bytes[pos + i] as number);
  return [value, 1 + size];
}

/** One item's head at `pos`: [children it opens, position after its head and content]. */
function step(bytes: Uint8Array, pos: number, depth: number, maxDepth: number): [number, number] {
  const ib = bytes[pos] as number;
  const major = ib >> 5;
  const [arg, head] = readArgument(bytes, pos, ib & 31);
  const next = pos + head;
  if (major === 2 || major === 3) {
    if (arg > bytes.length - next) malformed('truncated string');
    return [0, next + arg];
  }
  if (major === 4 || major === 5) {
    // An empty container still counts: depth is the number of containers on the path. Deeper
    // than the profile allows is malformed (docs/protocol.md §7), not merely over a limit.
    if (depth + 1 > maxDepth) malformed(`nested deeper than ${maxDepth}`);
    const children = major === 4 ? arg : arg * 2;
    // Each child takes at least one byte: a count beyond what remains is a lie, refuse it now.
    if (children > bytes.length - next) malformed('container longer than the input');
    return [children, next];
  }
  if (major === 6) malformed('tags are not allowed');
  return [0, next];
}

/**
 * Walks the structure of one CBOR data item without building anything, in time linear in the
 * number of items and stopping at the first item over a limit: the "stall by decoding" attack (30
 * million empty maps in 28.6 MiB held the event loop for a minute) now fails after `maxItems` heads.
 * Also rejects what the profile forbids early: indefinite lengths, tags, truncation, trailing bytes.
 *
 * @throws ProtocolError `PROTOCOL_LIMIT_EXCEEDED` over the item or size limit; TypeError when
 *   malformed (including nesting deeper than `maxDepth`).
 */
export function scanCbor(bytes: Uint8Array, limits: CborLimits): void {
  if (bytes.length > limits.maxBytes) exceeded(`of ${bytes.length} bytes exceeds ${limits.maxBytes}`);
  // pending[d] = items still expected at depth d; the root expects one.
  const pending = new Float64Array(limits.maxDepth + 2);
  let depth = 0;
  pending[0] = 1;
  let pos = 0;
  let items = 0;
  while (depth >= 0) {
    if (pos >= bytes.length) malformed('truncated input');
    if (++items > limits.maxItems) exceeded(`holds more than ${limits.maxItems} data items`);
    let children: number;
    [children, pos] = step(bytes, pos, depth, limits.maxDepth);
    pending[depth] = (pending[depth] as number) - 1;
    if (children > 0) {
      pending[++depth] = children;
      continue;
    }
    while (depth >= 0 && pending[depth] === 0) depth--;
  }
  if (pos !== bytes.length) malformed('bytes after the data item');
}
