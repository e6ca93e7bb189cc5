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
      const sealed = await reader.read(length);
      if (sealed === undefined)
        throw new ProtocolError('PROTOCOL_TRUNCATED', 'the body ended inside a chunk');
      let plain: Uint8Array;
      try {
        plain = await key.aead.open(
          chunkNonce(key.nonceBase, key.seq, index),
          sealed,
          chunkAad(key.aadPrefix, index, final),
        );
      } catch (cause) {
        return fail(`chunk ${index} did not open`, cause);
      }
      total += plain.length;
      if (total > maxBytes)
        throw new ProtocolError('PROTOCOL_LIMIT_EXCEEDED', `the message exceeds ${maxBytes} bytes`);
      yield plain;
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
