/**
 * A field of bytes that streams: declare an endpoint input or output member with this type (or
 * `ReadableStream<Uint8Array>`, or `AsyncIterable<Uint8Array>`) to receive or send a body of any
 * size with bounded memory. The handler reads an input stream as its sealed chunks arrive and are
 * authenticated (a cut or altered body makes the stream fail, never end early), and may return an
 * `AsyncIterable<Uint8Array>` for an output stream. `blindbox build` marks such a field
 * `{ "x-blindbox-type": "stream" }` in the manifest; it must be a top-level member of the input or
 * output object. A plain `Uint8Array` field needs nothing: large ones travel chunked too, and the
 * handler gets the whole array.
 *
 * ```ts
 * @endpoint()
 * async transcribe(req: { audio: ByteStream }): Promise<{ text: string }> {
 *   for await (const chunk of req.audio) feed(chunk);
 *   …
 * }
 * ```
 */
export type ByteStream = ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>;
