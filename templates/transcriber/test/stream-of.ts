import type { ByteStream } from '@blindbox/sdk';

/**
 * Bytes as the handler receives a streamed field: a ReadableStream (async-iterable in Node) that
 * yields `pieceBytes` at a time, as sealed chunks arrive.
 */
export function streamOf(bytes: Uint8Array, pieceBytes = 64 * 1024): ByteStream {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + pieceBytes));
      at += pieceBytes;
    },
  }) as ByteStream;
}
