import { DEFAULT_CHUNK_LENGTH, FRAME_HEADER_LENGTH, MAX_CHUNK_LENGTH } from '../constants.js';
import { type ChunkKey, chunkAad, chunkNonce, MAX_CHUNKS } from './chunk-key.js';

/** Options of {@link sealChunks}. */
export interface SealChunksOptions {
  /** Plaintext bytes per chunk, 1 to 2^20. Default: {@link DEFAULT_CHUNK_LENGTH} (256 KiB). */
  chunkLength?: number;
}

/**
 * The source of a message plaintext: whole, or pieces of any sizes (a stream). A whole buffer is
 * sealed from views of it (do not change it while it is being sealed); pieces are copied as they
 * arrive.
 */
export type ByteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Pieces of a source, re-cut into chunks of exactly `size` bytes (the last one shorter, maybe
 * empty). A chunk of a stream is valid until the second chunk after it is asked for: pieces are
 * copied into two buffers used in turn, because the sealer holds one chunk of lookahead (it must
 * know whether a chunk is the final one before sealing it) and is done with it by then. Two
 * buffers, not a new one per chunk: each 256 KiB allocation per chunk cost allocation and GC time
 * (issue 8).
 */
async function* rechunk(source: ByteSource, size: number): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    for (let i = 0; i < source.length; i += size) yield source.subarray(i, i + size);
    return;
  }
  const buffers: [Uint8Array, Uint8Array | undefined] = [new Uint8Array(size), undefined];
  let turn = 0;
  let pending = buffers[0];
  let filled = 0;
  for await (const piece of source as AsyncIterable<Uint8Array>) {
    if (!(piece instanceof Uint8Array)) throw new TypeError('a byte stream must yield Uint8Array pieces');
    let offset = 0;
    while (offset < piece.length) {
      const n = Math.min(size - filled, piece.length - offset);
      pending.set(n === piece.length ? piece : piece.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        yield pending;
        turn ^= 1;
        buffers[turn] ??= new Uint8Array(size);
        pending = buffers[turn] as Uint8Array;
        filled = 0;
      }
    }
  }
  if (filled > 0) yield pending.subarray(0, filled);
}

/**
 * Seals a message plaintext as frames (docs/protocol.md §11.4): `u32(final << 31 | len) ‖ sealed`,
 * each chunk under its own nonce (base XOR seq ‖ index) and AAD (prefix ‖ index ‖ final). Holds one
 * chunk of lookahead, so memory stays bounded whatever the source's length; the last frame is
 * marked final (an empty final chunk only when the source is empty). Each frame is yielded as
 * pieces: its 4-byte header, then the sealed bytes as the AEAD produced them (a byte stream: what
 * counts is their concatenation).
 */
export async function* sealChunks(
  key: ChunkKey,
  plaintext: ByteSource,
  options: SealChunksOptions = {},
): AsyncGenerator<Uint8Array> {
  const size = options.chunkLength ?? DEFAULT_CHUNK_LENGTH;
  if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_LENGTH) {
    throw new RangeError(`chunkLength must be 1 to ${MAX_CHUNK_LENGTH}`);
  }
  let index = 0;
  let previous: Uint8Array | undefined;
  // A frame is its header, then the sealed pieces as the AEAD gave them: the ciphertext is never
  // copied into a frame buffer.
  const seal = async (chunk: Uint8Array, final: boolean): Promise<Uint8Array[]> => {
    if (index > MAX_CHUNKS) throw new RangeError('a message holds at most 2^32 - 1 chunks');
    const sealed = await key.aead.sealPieces(
      chunkNonce(key.nonceBase, key.seq, index),
      chunk,
      chunkAad(key.aadPrefix, index, final),
    );
    index++;
    let length = 0;
    for (const piece of sealed) length += piece.length;
    const header = new Uint8Array(FRAME_HEADER_LENGTH);
    // bit 31 = final; the length fits in 31 bits (≤ 2^20 + 16).
    new DataView(header.buffer).setUint32(0, (final ? 0x8000_0000 : 0) + length);
    return [header, ...sealed];
  };
  for await (const chunk of rechunk(plaintext, size)) {
    if (previous !== undefined) yield* await seal(previous, false);
    previous = chunk;
  }
  yield* await seal(previous ?? new Uint8Array(0), true);
}
