import { DEFAULT_CHUNK_LENGTH, FRAME_HEADER_LENGTH, MAX_CHUNK_LENGTH, TAG_LENGTH } from '../constants.js';
import { ProtocolError } from '../protocol-error.js';
import { type ChunkKey, chunkAad, chunkNonce, MAX_CHUNKS } from './chunk-key.js';
import type { OpenChunksOptions } from './open-chunks.js';

// The same frames as sealChunks/openChunks (docs/protocol.md §11.4), for a message that is in memory
// whole: a small call's plaintext, or a body already read with its content-length. No generators,
// no byte reader, no per-piece promises: a small session call was about 40 % slower through the
// streaming path than through this one (bench/channel.mjs), for the same bytes on the wire.

/**
 * Seals a whole message plaintext into frames, after `prefix` (the session header of a request),
 * in one buffer. The output is byte for byte what `prefix ‖ sealChunks(key, plaintext)` yields.
 */
export async function sealWholeMessage(
  key: ChunkKey,
  plaintext: Uint8Array,
  prefix: Uint8Array = new Uint8Array(0),
  chunkLength: number = DEFAULT_CHUNK_LENGTH,
): Promise<Uint8Array> {
  if (!Number.isInteger(chunkLength) || chunkLength < 1 || chunkLength > MAX_CHUNK_LENGTH) {
    throw new RangeError(`chunkLength must be 1 to ${MAX_CHUNK_LENGTH}`);
  }
  // As sealChunks: full chunks, the last one (maybe shorter) marked final; one empty final chunk
  // for an empty plaintext.
  const chunks = Math.max(1, Math.ceil(plaintext.length / chunkLength));
  if (chunks - 1 > MAX_CHUNKS) throw new RangeError('a message holds at most 2^32 - 1 chunks');
  const out = new Uint8Array(prefix.length + plaintext.length + chunks * (FRAME_HEADER_LENGTH + TAG_LENGTH));
  const view = new DataView(out.buffer);
  out.set(prefix);
  let at = prefix.length;
  for (let index = 0; index < chunks; index++) {
    const final = index === chunks - 1;
    const chunk = plaintext.subarray(
      index * chunkLength,
      final ? plaintext.length : (index + 1) * chunkLength,
    );
    const sealed = await key.aead.seal(
      chunkNonce(key.nonceBase, key.seq, index),
      chunk,
      chunkAad(key.aadPrefix, index, final),
    );
    view.setUint32(at, (final ? 0x8000_0000 : 0) + sealed.length);
    out.set(sealed, at + FRAME_HEADER_LENGTH);
    at += FRAME_HEADER_LENGTH + sealed.length;
  }
  return at === out.length ? out : out.subarray(0, at);
}

/** Options of {@link openWholeMessage}. */
export interface OpenWholeMessageOptions extends OpenChunksOptions {
  /**
   * Called once the first chunk authenticated, before any other is opened (the server admits the
   * sequence number there); what it throws is thrown.
   */
  afterFirst?: () => void;
}

/**
 * Opens the frames of a whole message body from `offset` into one plaintext, with the checks of
 * openChunks in the same order (so the same body gets the same error either way): per frame, its
 * length in range, its bytes present, its tag; after the final one, nothing.
 *
 * @throws ProtocolError `options.failCode` (malformed frame, chunk that does not open),
 *   `PROTOCOL_TRUNCATED`, `PROTOCOL_LIMIT_EXCEEDED` (more than `maxBytes`).
 */
export async function openWholeMessage(
  key: ChunkKey,
  body: Uint8Array,
  offset: number,
  options: OpenWholeMessageOptions,
): Promise<Uint8Array> {
  const maxChunk = Math.min(options.maxChunkLength ?? MAX_CHUNK_LENGTH, MAX_CHUNK_LENGTH);
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const pieces: Uint8Array[] = [];
  let total = 0;
  let at = offset;
  for (let index = 0; ; index++) {
    if (index > MAX_CHUNKS) throw new ProtocolError(options.failCode, 'more than 2^32 - 1 chunks');
    if (at + FRAME_HEADER_LENGTH > body.length) {
      throw new ProtocolError('PROTOCOL_TRUNCATED', 'the body ended before its final chunk');
    }
    const value = view.getUint32(at);
    const final = value >= 0x8000_0000;
    const length = value & 0x7fff_ffff;
    if (length < TAG_LENGTH || length > maxChunk + TAG_LENGTH) {
      throw new ProtocolError(options.failCode, `frame length ${length} out of range`);
    }
    const start = at + FRAME_HEADER_LENGTH;
    if (start + length > body.length)
      throw new ProtocolError('PROTOCOL_TRUNCATED', 'the body ended inside a chunk');
    let plain: Uint8Array;
    try {
      plain = await key.aead.open(
        chunkNonce(key.nonceBase, key.seq, index),
        body.subarray(start, start + length),
        chunkAad(key.aadPrefix, index, final),
      );
    } catch (cause) {
      throw new ProtocolError(options.failCode, `chunk ${index} did not open`, { cause });
    }
    total += plain.length;
    if (total > maxBytes)
      throw new ProtocolError('PROTOCOL_LIMIT_EXCEEDED', `the message exceeds ${maxBytes} bytes`);
    if (index === 0) options.afterFirst?.();
    pieces.push(plain);
    at = start + length;
    if (final) break;
  }
  if (at !== body.length) throw new ProtocolError('PROTOCOL_TRUNCATED', 'bytes after the final chunk');
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const out = new Uint8Array(total);
  let filled = 0;
  for (const piece of pieces) {
    out.set(piece, filled);
    filled += piece.length;
  }
  return out;
}
