import type { AppManifest, TypeSchema } from '@blindbox/protocol';
import { encodeCbor } from '@blindbox/protocol/internal';
import { ClientError } from './client-error.js';

/** What the client knows about one endpoint (from the app manifest or the caller). */
export interface EndpointInfo {
  /** Running the handler twice for one call is harmless: the client may resend after an unproven failure. */
  idempotent?: boolean;
  /** Largest input in bytes (CBOR plus streamed bytes); larger inputs fail with `CLIENT_BODY_TOO_LARGE` before sealing. */
  maxInputBytes?: number;
  /** Largest output in bytes the client reads. */
  maxOutputBytes?: number;
  /** The output has a streamed field: call it in a session (a one-shot answer is one message, held whole). */
  streamsOutput?: boolean;
}

/** Endpoint facts from an app manifest (`idempotent`, `limits`). */
export function endpointsFromManifest(manifest: AppManifest): Record<string, EndpointInfo> {
  const out: Record<string, EndpointInfo> = {};
  for (const e of manifest.endpoints) {
    const info: EndpointInfo = {};
    if (e.idempotent === true) info.idempotent = true;
    if (e.limits?.maxInputBytes !== undefined) info.maxInputBytes = e.limits.maxInputBytes;
    if (e.limits?.maxOutputBytes !== undefined) info.maxOutputBytes = e.limits.maxOutputBytes;
    if (hasStreamField(e.output, manifest.definitions ?? {})) info.streamsOutput = true;
    const streamed = streamMaxLength(e.input);
    if (streamed !== undefined && info.maxInputBytes === undefined) info.maxInputBytes = streamed;
    Object.defineProperty(out, e.name, { value: info, enumerable: true });
  }
  return out;
}

/** Whether a schema is a stream or an object with a stream property (where the runtime streams one). */
function hasStreamField(schema: TypeSchema, definitions: Record<string, TypeSchema>): boolean {
  const resolve = (s: TypeSchema): TypeSchema => {
    const ref = (s as { $ref?: unknown }).$ref;
    if (typeof ref !== 'string') return s;
    const name = ref.split('/').pop() ?? '';
    return Object.hasOwn(definitions, name) ? (definitions[name] as TypeSchema) : s;
  };
  const isStream = (s: TypeSchema): boolean => streamKind(resolve(s)) === 'stream';
  const top = resolve(schema);
  if (isStream(top)) return true;
  const properties = (top as { properties?: Record<string, TypeSchema> }).properties;
  return properties !== undefined && Object.values(properties).some(isStream);
}

function streamKind(schema: TypeSchema): unknown {
  return 'x-blindbox-type' in schema ? schema['x-blindbox-type'] : undefined;
}

function streamMaxLength(schema: TypeSchema): number | undefined {
  if ('x-blindbox-type' in schema && schema['x-blindbox-type'] === 'stream') return schema.maxLength;
  return undefined;
}

/** A byte stream the caller passes as an input field. */
export type ByteStream = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** An input split into the CBOR part and (at most) one streamed field. */
export interface PreparedInput {
  /** The input without the streamed field. */
  input: unknown;
  /** JSON pointer of the streamed field (docs/protocol.md §11.3). */
  stream?: string;
  /** Its bytes: a buffer (resendable) or a one-time stream. */
  tail?: Uint8Array | AsyncIterable<Uint8Array>;
  /** Bytes the input takes (CBOR plus tail), when known before sending. */
  size?: number;
}

function isByteStream(value: unknown): value is ByteStream {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  return (
    Symbol.asyncIterator in value ||
    (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream)
  );
}

/** A ReadableStream as an AsyncIterable (not every browser makes ReadableStream iterable yet). */
export function toAsyncIterable(stream: ByteStream): AsyncIterable<Uint8Array> {
  if (!(typeof ReadableStream !== 'undefined' && stream instanceof ReadableStream))
    return stream as AsyncIterable<Uint8Array>;
  return (async function* () {
    const reader = stream.getReader();
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      reader.releaseLock();
    }
  })();
}

/** A stream that fails with `CLIENT_BODY_TOO_LARGE` as soon as it exceeds `limit`. */
async function* limited(
  source: AsyncIterable<Uint8Array>,
  limit: number,
  already: number,
): AsyncGenerator<Uint8Array> {
  let total = already;
  for await (const piece of source) {
    if (!(piece instanceof Uint8Array)) throw new TypeError('a streamed input must yield Uint8Array pieces');
    total += piece.length;
    if (total > limit) throw bodyTooLarge(limit, total);
    yield piece;
  }
}

function bodyTooLarge(limit: number, size: number): ClientError {
  return new ClientError(
    'CLIENT_BODY_TOO_LARGE',
    `the input (${size} bytes or more) exceeds the endpoint's limit of ${limit} bytes; nothing was sent`,
    { limit, retryable: false, mayHaveRun: false },
  );
}

/** The field that travels as the tail: a stream, or the largest `Uint8Array` above the threshold. */
function pickStreamField(input: Record<string, unknown>, threshold: number): string | undefined {
  let picked: string | undefined;
  let pickedSize = threshold;
  for (const [key, value] of Object.entries(input)) {
    if (isByteStream(value)) {
      if (picked !== undefined && isByteStream(input[picked]))
        throw new TypeError('at most one input field may be a stream');
      picked = key;
      pickedSize = Number.POSITIVE_INFINITY;
    } else if (value instanceof Uint8Array && value.length > pickedSize) {
      picked = key;
      pickedSize = value.length;
    }
  }
  return picked;
}

/**
 * Splits an input for sealing and checks its size against `limit` before anything is sealed or
 * sent (a 50 MiB body used to be sealed whole and then refused with 413 or EPIPE).
 *
 * @throws ClientError `CLIENT_BODY_TOO_LARGE` naming the limit.
 */
export function prepareInput(input: unknown, threshold: number, limit: number): PreparedInput {
  let prepared: PreparedInput;
  if (isByteStream(input) || (input instanceof Uint8Array && input.length > threshold)) {
    prepared = {
      input: undefined,
      stream: '',
      tail: input instanceof Uint8Array ? input : toAsyncIterable(input),
    };
  } else if (
    typeof input === 'object' &&
    input !== null &&
    !Array.isArray(input) &&
    !(input instanceof Uint8Array)
  ) {
    const field = pickStreamField(input as Record<string, unknown>, threshold);
    if (field === undefined) {
      prepared = { input };
    } else {
      const { [field]: value, ...rest } = input as Record<string, unknown>;
      prepared = {
        input: rest,
        stream: `/${field}`,
        tail: value instanceof Uint8Array ? value : toAsyncIterable(value as ByteStream),
      };
    }
  } else {
    prepared = { input };
  }
  const head = prepared.input === undefined ? 0 : encodeCbor(prepared.input).length;
  if (prepared.tail === undefined || prepared.tail instanceof Uint8Array) {
    const size = head + (prepared.tail?.length ?? 0);
    if (size > limit) throw bodyTooLarge(limit, size);
    prepared.size = size;
  } else {
    if (head > limit) throw bodyTooLarge(limit, head);
    prepared.tail = limited(prepared.tail, limit, head);
  }
  return prepared;
}

/** The input as one value again (to send it one-shot to a v1 server), reading a stream up to `limit`. */
export async function joinInput(prepared: PreparedInput, limit: number): Promise<unknown> {
  if (prepared.stream === undefined || prepared.tail === undefined) return prepared.input;
  let bytes: Uint8Array;
  if (prepared.tail instanceof Uint8Array) {
    bytes = prepared.tail;
  } else {
    const pieces: Uint8Array[] = [];
    let total = 0;
    for await (const piece of prepared.tail) {
      total += piece.length;
      if (total > limit) throw bodyTooLarge(limit, total);
      pieces.push(piece);
    }
    bytes = new Uint8Array(total);
    let offset = 0;
    for (const p of pieces) {
      bytes.set(p, offset);
      offset += p.length;
    }
  }
  if (prepared.stream === '') return bytes;
  return { ...(prepared.input as object), [prepared.stream.slice(1)]: bytes };
}
