import type { EndpointManifest, TypeSchema } from '@blindbox/protocol';
import { ProtocolError } from '@blindbox/protocol';

type Defs = Record<string, TypeSchema>;

/** Follows `$ref`s to the schema they name. */
function resolve(schema: TypeSchema | undefined, defs: Defs): TypeSchema | undefined {
  let current = schema;
  for (let hops = 0; current && '$ref' in current && hops < 32; hops++) {
    const name = current.$ref.replace(/^#\/definitions\//, '');
    current = Object.hasOwn(defs, name) ? defs[name] : undefined;
  }
  return current;
}

/** The schema at a stream pointer: `""` (the whole value) or `"/member"` (a top-level member). */
export function schemaAt(schema: TypeSchema, pointer: string, defs: Defs): TypeSchema | undefined {
  const root = resolve(schema, defs);
  if (pointer === '') return root;
  if (!root || !('type' in root) || root.type !== 'object') return undefined;
  const name = pointer.slice(1);
  return Object.hasOwn(root.properties, name) ? resolve(root.properties[name], defs) : undefined;
}

/** Whether a schema is the streamed-bytes marker (`ReadableStream<Uint8Array>` / `AsyncIterable<Uint8Array>`). */
export function isStreamSchema(
  schema: TypeSchema | undefined,
): schema is { 'x-blindbox-type': 'stream'; maxLength?: number } {
  return schema !== undefined && 'x-blindbox-type' in schema && schema['x-blindbox-type'] === 'stream';
}

/** Whether a value can stand for a streamed field: async-iterable bytes (a ReadableStream is one in Node). */
export function isByteStream(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Yields `source`, refusing more than `maxBytes` in total (`PROTOCOL_LIMIT_EXCEEDED`). */
export async function* limitBytes(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const piece of source) {
    total += piece.length;
    if (total > maxBytes) throw new ProtocolError('PROTOCOL_LIMIT_EXCEEDED', `more than ${maxBytes} bytes`);
    yield piece;
  }
}

/**
 * All of `source` in one buffer, at most `maxBytes`; `charge(n)` is called before each piece is
 * kept (it throws when the body budget is full), so the budget counts what is really held.
 */
export async function collectCharged(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  charge: (bytes: number) => void,
): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let total = 0;
  for await (const piece of limitBytes(source, maxBytes)) {
    charge(piece.length);
    pieces.push(piece);
    total += piece.length;
  }
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

/** A ReadableStream (also async-iterable in Node) over `source`, as handlers receive streamed fields. */
export function toReadableStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  // Pull-based: the next chunk is opened only when the handler asks for it (bounded memory).
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** `input` with the value at `pointer` replaced. */
export function setAt(input: unknown, pointer: string, value: unknown): unknown {
  if (pointer === '') return value;
  const base = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base))
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(out, pointer.slice(1), {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return out;
}

/**
 * Streamed fields of an input that arrived inline (a one-shot call, or a small body): handlers of
 * a `ReadableStream<Uint8Array>` field always get a stream, however the bytes travelled.
 */
export function streamInlineFields(input: unknown, endpoint: EndpointManifest, defs: Defs): unknown {
  const root = resolve(endpoint.input, defs);
  if (!root || !('type' in root) || root.type !== 'object' || typeof input !== 'object' || input === null)
    return input;
  let out: unknown = input;
  for (const [name, schema] of Object.entries(root.properties)) {
    const value = (input as Record<string, unknown>)[name];
    if (isStreamSchema(resolve(schema, defs)) && value instanceof Uint8Array) {
      out = setAt(
        out,
        `/${name}`,
        toReadableStream(
          (async function* () {
            yield value;
          })(),
        ),
      );
    }
  }
  return out;
}

/**
 * The top-level streamed output field to send as the response tail (session messages): the output
 * without it, its pointer and its bytes; undefined when nothing streams.
 */
export function takeOutputTail(
  output: unknown,
  endpoint: EndpointManifest,
  defs: Defs,
): { output: unknown; stream: string; tail: Uint8Array | AsyncIterable<Uint8Array> } | undefined {
  const root = resolve(endpoint.output, defs);
  if (!root || !('type' in root) || root.type !== 'object' || typeof output !== 'object' || output === null)
    return undefined;
  for (const [name, schema] of Object.entries(root.properties)) {
    const value = (output as Record<string, unknown>)[name];
    if (isStreamSchema(resolve(schema, defs)) && (isByteStream(value) || value instanceof Uint8Array)) {
      const rest: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(output)) if (k !== name) rest[k] = v;
      return { output: rest, stream: `/${name}`, tail: value as Uint8Array | AsyncIterable<Uint8Array> };
    }
  }
  return undefined;
}
