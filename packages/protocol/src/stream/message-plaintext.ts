import { ProtocolError } from '../protocol-error.js';
import { ByteReader } from './byte-reader.js';
import type { ByteSource } from './seal-chunks.js';

/**
 * A message plaintext (docs/protocol.md §11.3): `u32(head_length) ‖ head ‖ tail`, where `head` is
 * the CBOR map and `tail` the bytes of the one streamed field (if any).
 */
export function encodeMessagePlaintext(head: Uint8Array, tail?: ByteSource): ByteSource {
  const prefix = new Uint8Array(4 + head.length);
  new DataView(prefix.buffer).setUint32(0, head.length);
  prefix.set(head, 4);
  if (tail === undefined) return prefix;
  if (tail instanceof Uint8Array) return [prefix, tail];
  return (async function* () {
    yield prefix;
    yield* tail as AsyncIterable<Uint8Array>;
  })();
}

/** The head and the (lazily read) tail of a message plaintext. */
export interface MessageParts {
  head: Uint8Array;
  /** The tail as it arrives; reading it also authenticates the rest of the message. */
  tail: AsyncGenerator<Uint8Array>;
}

/**
 * Splits a message plaintext into its head (at most `maxHeadBytes`, read in full) and its tail.
 *
 * @throws ProtocolError `PROTOCOL_LIMIT_EXCEEDED` (head too long), `PROTOCOL_TRUNCATED`.
 */
export async function readMessagePlaintext(plain: ByteSource, maxHeadBytes: number): Promise<MessageParts> {
  const reader = new ByteReader(plain);
  const word = await reader.read(4);
  if (word === undefined) throw new ProtocolError('PROTOCOL_TRUNCATED', 'the message ends before its head');
  const length = new DataView(word.buffer, word.byteOffset, 4).getUint32(0);
  if (length > maxHeadBytes) {
    await reader.cancel();
    throw new ProtocolError(
      'PROTOCOL_LIMIT_EXCEEDED',
      `the message head of ${length} bytes exceeds ${maxHeadBytes}`,
    );
  }
  const head = await reader.read(length);
  if (head === undefined) throw new ProtocolError('PROTOCOL_TRUNCATED', 'the message ends inside its head');
  return { head: new Uint8Array(head), tail: reader.rest() };
}

/**
 * Splits a whole message plaintext (as {@link readMessagePlaintext} does a streamed one).
 *
 * @throws ProtocolError `PROTOCOL_LIMIT_EXCEEDED` (head too long), `PROTOCOL_TRUNCATED`.
 */
export function splitMessagePlaintext(
  plain: Uint8Array,
  maxHeadBytes: number,
): { head: Uint8Array; tail: Uint8Array } {
  if (plain.length < 4) throw new ProtocolError('PROTOCOL_TRUNCATED', 'the message ends before its head');
  const length = new DataView(plain.buffer, plain.byteOffset, 4).getUint32(0);
  if (length > maxHeadBytes) {
    throw new ProtocolError(
      'PROTOCOL_LIMIT_EXCEEDED',
      `the message head of ${length} bytes exceeds ${maxHeadBytes}`,
    );
  }
  if (plain.length < 4 + length) {
    throw new ProtocolError('PROTOCOL_TRUNCATED', 'the message ends inside its head');
  }
  return { head: plain.subarray(4, 4 + length), tail: plain.subarray(4 + length) };
}

/** A tail held whole, as the generator a streamed one is. */
export async function* wholeTail(tail: Uint8Array): AsyncGenerator<Uint8Array> {
  if (tail.length > 0) yield tail;
}

/** A whole message plaintext: `u32(head_length) ‖ head ‖ tail`. */
export function joinMessagePlaintext(head: Uint8Array, tail?: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + head.length + (tail?.length ?? 0));
  new DataView(out.buffer).setUint32(0, head.length);
  out.set(head, 4);
  if (tail !== undefined) out.set(tail, 4 + head.length);
  return out;
}

/** All of a byte source, refusing more than `maxBytes` (for a `Uint8Array` field put back from the tail). */
export async function collectBytes(source: ByteSource, maxBytes: number): Promise<Uint8Array> {
  if (source instanceof Uint8Array) {
    if (source.length > maxBytes)
      throw new ProtocolError('PROTOCOL_LIMIT_EXCEEDED', `more than ${maxBytes} bytes`);
    return source;
  }
  const pieces: Uint8Array[] = [];
  let total = 0;
  for await (const piece of source as AsyncIterable<Uint8Array>) {
    total += piece.length;
    if (total > maxBytes) throw new ProtocolError('PROTOCOL_LIMIT_EXCEEDED', `more than ${maxBytes} bytes`);
    pieces.push(piece);
  }
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of pieces) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
