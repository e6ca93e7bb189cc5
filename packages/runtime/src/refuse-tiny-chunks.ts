import { SESSION_HEADER_LENGTH } from '@blindbox/protocol';

/** The AEAD tag in every sealed chunk (AES-128-GCM and ChaCha20-Poly1305 alike). */
const TAG_LENGTH = 16;

/** A session message with a non-final chunk below the server's minimum: a content-free `400`. */
export class TinyChunkError extends Error {
  override readonly name = 'TinyChunkError';
}

/**
 * Passes a session message body through unchanged while reading its frame lengths
 * (docs/protocol.md §11.3, §11.4: a 34-byte header, then `u32(final << 31 | len) ‖ sealed`), and
 * throws {@link TinyChunkError} at the first non-final frame whose plaintext is below
 * `minChunkBytes`, before the piece holding it reaches the AEAD.
 *
 * Why (security review of issue 8, "tiny chunks"): every frame costs an AEAD open and a few
 * objects, about 14 µs, for 21 bytes on the wire when the chunk holds 1 byte. 5.5 MB of 1-byte
 * chunks cost the server 3.7 s of CPU (the same bytes in 256 KiB chunks: 6 ms) and stalled its
 * event loop for up to 570 ms. Senders cut messages into equal chunks of `DEFAULT_CHUNK_LENGTH`
 * (256 KiB, `@blindbox/protocol`'s sealer fills every non-final chunk), so only a hostile or broken
 * sender is refused. The final chunk may have any size. Frames are not authenticated here: a wrong
 * length only makes the message fail, as openChunks would.
 */
export async function* refuseTinyChunks(
  source: AsyncIterable<Uint8Array>,
  minChunkBytes: number,
): AsyncGenerator<Uint8Array> {
  const scan = tinyChunkScanner(minChunkBytes);
  for await (const piece of source) {
    scan(piece);
    yield piece;
  }
}

/**
 * The check of {@link refuseTinyChunks} over pieces pushed one after the other (a body held whole is
 * one piece): throws {@link TinyChunkError} at the first non-final frame below `minChunkBytes`.
 */
export function tinyChunkScanner(minChunkBytes: number): (piece: Uint8Array) => void {
  let skip = SESSION_HEADER_LENGTH;
  let word = 0;
  let wordBytes = 0;
  let done = false;
  return (piece) => {
    let i = 0;
    while (!done && i < piece.length) {
      if (skip > 0) {
        const n = Math.min(skip, piece.length - i);
        skip -= n;
        i += n;
        continue;
      }
      word = word * 256 + (piece[i++] as number);
      if (++wordBytes < 4) continue;
      const final = word >= 0x8000_0000;
      const length = word % 0x8000_0000;
      if (!final && length - TAG_LENGTH < minChunkBytes) {
        throw new TinyChunkError(`a non-final chunk of ${length - TAG_LENGTH} bytes`);
      }
      // After the final frame, the opener refuses whatever follows.
      done = final;
      skip = length;
      word = 0;
      wordBytes = 0;
    }
  };
}
