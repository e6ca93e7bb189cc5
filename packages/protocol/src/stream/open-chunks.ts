import { FRAME_HEADER_LENGTH, MAX_CHUNK_LENGTH, TAG_LENGTH } from '../constants.js';
import { ProtocolError, type ProtocolErrorCode } from '../protocol-error.js';
import { ByteReader } from './byte-reader.js';
import { type ChunkKey, chunkAad, chunkNonce, MAX_CHUNKS } from './chunk-key.js';
import type { ByteSource } from './seal-chunks.js';

/** Options of {@link openChunks}. */
export interface OpenChunksOptions {
  /**
   * The code of a chunk that does not open or a malformed frame: `PROTOCOL_DECRYPT_FAILED` for
   * requests (the server answers a content-free 400), `PROTOCOL_RESPONSE_TAMPERED` for responses.
   */
  failCode: Extract<ProtocolErrorCode, 'PROTOCOL_DECRYPT_FAILED' | 'PROTOCOL_RESPONSE_TAMPERED'>;
  /** Most plaintext bytes accepted over the whole message. Default: unbounded (count what you keep). */
  maxBytes?: number;
  /** Largest plaintext of one chunk. Default and upper bound: {@link MAX_CHUNK_LENGTH}. */
  maxChunkLength?: number;
}

/**
 * Opens the frames of one message (docs/protocol.md §11.4) from a body arriving in pieces of any
 * size, yielding each chunk's plaintext as soon as it is authenticated. Memory: one frame.
 *
 * @throws ProtocolError `options.failCode` (malformed frame, chunk that does not open),
 *   `PROTOCOL_TRUNCATED` (the body ended before the final frame, or continues after it), or
 *   `PROTOCOL_LIMIT_EXCEEDED` (more than `maxBytes`).
 */
export async function* openChunks(
  key: ChunkKey,
  frames: ByteSource | ByteReader,
  options: OpenChunksOptions,
): AsyncGenerator<Uint8Array> {
  const reader = frames instanceof ByteReader ? frames : new ByteReader(frames);
  const maxChunk = Math.min(options.maxChunkLength ?? MAX_CHUNK_LENGTH, MAX_CHUNK_LENGTH);
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const fail = (why: string, cause?: unknown): never => {
    throw new ProtocolError(options.failCode, why, cause === undefined ? undefined : { cause });
  };
  let total = 0;
  let completed = false;
  try {
    for (let index = 0; ; index++) {
      if (index > MAX_CHUNKS) fail('more than 2^32 - 1 chunks');
      const word = await reader.read(FRAME_HEADER_LENGTH);
      if (word === undefined)
        throw new ProtocolError('PROTOCOL_TRUNCATED', 'the body ended before its final chunk');
      const value = new DataView(word.buffer, word.byteOffset, 4).getUint32(0);
      const final = value >= 0x8000_0000;
      const length = value & 0x7fff_ffff;
      if (length < TAG_LENGTH || length > maxChunk + TAG_LENGTH) fail(`frame length ${length} out of range`);
      const plain = await openFrame(key, reader, index, final, length, fail);
      for (const piece of plain) total += piece.length;
      if (total > maxBytes)
        throw new ProtocolError('PROTOCOL_LIMIT_EXCEEDED', `the message exceeds ${maxBytes} bytes`);
      for (const piece of plain) yield piece;
      if (final) {
        if (await reader.hasMore())
          throw new ProtocolError('PROTOCOL_TRUNCATED', 'bytes after the final chunk');
        completed = true;
        return;
      }
    }
  } finally {
    if (!completed) await reader.cancel().catch(() => undefined);
  }
}

/** One frame's sealed bytes, read as the pieces that brought them and opened without being joined. */
async function openFrame(
  key: ChunkKey,
  reader: ByteReader,
  index: number,
  final: boolean,
  length: number,
  fail: (why: string, cause?: unknown) => never,
): Promise<Uint8Array[]> {
  // The tag is read apart: a view too, unless it straddles two pieces (then its 16 bytes are copied).
  const body = await reader.readPieces(length - TAG_LENGTH);
  const tag = body && (await reader.read(TAG_LENGTH));
  if (body === undefined || tag === undefined)
    throw new ProtocolError('PROTOCOL_TRUNCATED', 'the body ended inside a chunk');
  try {
    const plain = await key.aead.openPieces(
      chunkNonce(key.nonceBase, key.seq, index),
      body,
      tag,
      chunkAad(key.aadPrefix, index, final),
    );
    // At least one piece per chunk, empty for an empty chunk (a reader counts on one per chunk).
    return plain.length === 0 ? [new Uint8Array(0)] : plain;
  } catch (cause) {
    return fail(`chunk ${index} did not open`, cause);
  }
}
