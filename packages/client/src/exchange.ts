import { ClientError } from './client-error.js';
import type { ClientTimeouts } from './client-limits.js';
import { fetchExchange } from './fetch-transport.js';
import { nodeExchange } from './node-transport.js';

/** One HTTP request to send. */
export interface ExchangeRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** A whole body, or pieces produced as they are sealed (a streamed upload). */
  body?: Uint8Array | AsyncIterable<Uint8Array>;
}

/** The response headers (names case-insensitive). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** An answer whose headers arrived; its body is read with the body and total timeouts. */
export interface Exchange {
  status: number;
  headers: ResponseHeaders;
  /** The body as it arrives (each piece resets the body timeout). */
  body: AsyncGenerator<Uint8Array>;
  /** Stops reading and releases the connection. */
  cancel(): void;
}

/**
 * Sends one request under the timeouts (connect, headers, body, total) and returns once the
 * response headers arrived. Every failure is a typed {@link ClientError}: `CLIENT_TIMEOUT` (with
 * its phase), `CLIENT_NETWORK_ERROR` (never connected: nothing was sent), `CLIENT_CONNECTION_CLOSED`
 * (the server closed the connection, e.g. mid-upload).
 *
 * The transport: the caller's `fetch` when it gives one; else node:http(s) where the platform is
 * Node (half the latency of Node's fetch per small call, bench/channel.mjs), else the global fetch.
 */
export function startExchange(
  doFetch: typeof fetch | undefined,
  url: URL,
  request: ExchangeRequest,
  timeouts: Required<ClientTimeouts>,
  what: string,
): Promise<Exchange> {
  if (doFetch !== undefined) return fetchExchange(doFetch, url, request, timeouts, what);
  return (
    nodeExchange(url, request, timeouts, what) ??
    fetchExchange(globalThis.fetch.bind(globalThis), url, request, timeouts, what)
  );
}

/** The whole body, refusing more than `maxBytes` (checked against content-length first, then while reading). */
export async function readBody(exchange: Exchange, maxBytes: number, what: string): Promise<Uint8Array> {
  const declared = Number(exchange.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    exchange.cancel();
    throw tooLarge(what, maxBytes);
  }
  const pieces: Uint8Array[] = [];
  let total = 0;
  for await (const piece of exchange.body) {
    total += piece.length;
    if (total > maxBytes) {
      exchange.cancel();
      throw tooLarge(what, maxBytes);
    }
    pieces.push(piece);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of pieces) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A body limited to `maxBytes` while it streams. */
export async function* limitBody(
  exchange: Exchange,
  maxBytes: number,
  what: string,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const piece of exchange.body) {
    total += piece.length;
    if (total > maxBytes) {
      exchange.cancel();
      throw tooLarge(what, maxBytes);
    }
    yield piece;
  }
}

function tooLarge(what: string, limit: number): ClientError {
  return new ClientError(
    'CLIENT_RESPONSE_TOO_LARGE',
    `${what}: the answer exceeds the client's limit of ${limit} bytes`,
    {
      limit,
      retryable: false,
    },
  );
}
