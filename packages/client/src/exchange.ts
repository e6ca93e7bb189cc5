import { ClientError, type TimeoutPhase } from './client-error.js';
import type { ClientTimeouts } from './client-limits.js';

/** One HTTP request to send. */
export interface ExchangeRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** A whole body, or pieces produced as they are sealed (a streamed upload). */
  body?: Uint8Array | AsyncIterable<Uint8Array>;
}

/** An answer whose headers arrived; its body is read with the body and total timeouts. */
export interface Exchange {
  status: number;
  headers: Headers;
  /** The body as it arrives (each piece resets the body timeout). */
  body: AsyncGenerator<Uint8Array>;
  /** Stops reading and releases the connection. */
  cancel(): void;
}

/** Error codes of Node's network stack that mean the connection was never made (nothing was sent). */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function causeCode(error: unknown): string | undefined {
  for (let e: unknown = error, i = 0; e !== undefined && e !== null && i < 4; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The typed error of a failed exchange: a timeout, a connection never made, or one closed under us. */
function failure(
  error: unknown,
  phase: TimeoutPhase | undefined,
  what: string,
  origin: string,
  uploading: boolean,
): ClientError {
  // Our own upload stream failed (e.g. an input over its limit): fetch wraps that error, unwrap it.
  for (let e: unknown = error, i = 0; e instanceof Error && i < 4; i++, e = e.cause) {
    if (e instanceof ClientError) return e;
  }
  if (phase !== undefined) {
    return new ClientError('CLIENT_TIMEOUT', `${what}: the ${phase} timeout elapsed (${origin})`, {
      cause: error,
      phase,
      retryable: true,
      mayHaveRun: phase !== 'connect',
    });
  }
  const code = causeCode(error);
  if (code !== undefined && NOT_CONNECTED.has(code) && !uploading) {
    return new ClientError('CLIENT_NETWORK_ERROR', `cannot reach ${origin}: ${code}`, {
      cause: error,
      retryable: true,
      mayHaveRun: false,
    });
  }
  if (code === undefined && !uploading) {
    // Browsers say only "Failed to fetch": whether anything was sent is unknown.
    return new ClientError(
      'CLIENT_NETWORK_ERROR',
      `${what}: ${origin} failed: ${(error as Error)?.message ?? error}`,
      {
        cause: error,
        retryable: true,
      },
    );
  }
  return new ClientError(
    'CLIENT_CONNECTION_CLOSED',
    `${what}: ${origin} closed the connection ${uploading ? 'during the upload (it may have refused the body, e.g. as too large)' : 'before answering'}${code ? ` (${code})` : ''}`,
    { cause: error, retryable: true, mayHaveRun: true },
  );
}

/**
 * Sends one request under the timeouts (connect, headers, body, total) and returns once the
 * response headers arrived. Every failure is a typed {@link ClientError}: `CLIENT_TIMEOUT` (with
 * its phase), `CLIENT_NETWORK_ERROR` (never connected: nothing was sent), `CLIENT_CONNECTION_CLOSED`
 * (the server closed the connection, e.g. mid-upload).
 */
export async function startExchange(
  doFetch: typeof fetch,
  url: URL,
  request: ExchangeRequest,
  timeouts: Required<ClientTimeouts>,
  what: string,
): Promise<Exchange> {
  const controller = new AbortController();
  let phase: TimeoutPhase | undefined;
  const timers = new Map<TimeoutPhase, ReturnType<typeof setTimeout>>();
  const arm = (p: TimeoutPhase, ms: number): void => {
    const armed = timers.get(p);
    // The body timeout is re-armed for every piece: Node's timers can be refreshed in place.
    if (
      p === 'body' &&
      armed !== undefined &&
      typeof (armed as { refresh?: unknown }).refresh === 'function'
    ) {
      (armed as unknown as { refresh(): void }).refresh();
      return;
    }
    clearTimeout(armed);
    timers.set(
      p,
      setTimeout(() => {
        phase ??= p;
        controller.abort();
      }, ms),
    );
  };
  const disarm = (p: TimeoutPhase): void => clearTimeout(timers.get(p));
  const disarmAll = (): void => {
    for (const t of timers.values()) clearTimeout(t);
  };
  arm('total', timeouts.total);
  let uploading = false;
  let body: BodyInit | undefined;
  const extra: { duplex?: 'half' } = {};
  if (request.body === undefined || request.body instanceof Uint8Array) {
    body = request.body as Uint8Array<ArrayBuffer> | undefined;
    arm('headers', timeouts.connect + timeouts.headers);
  } else {
    arm('connect', timeouts.connect);
    const iterator = request.body[Symbol.asyncIterator]();
    body = new ReadableStream<Uint8Array>({
      async pull(stream) {
        if (!uploading) {
          uploading = true;
          disarm('connect');
        }
        const next = await iterator.next();
        if (next.done) {
          stream.close();
          uploading = false;
          arm('headers', timeouts.headers);
        } else {
          stream.enqueue(next.value);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    });
    extra.duplex = 'half';
  }
  let res: Response;
  try {
    res = await doFetch(url, {
      method: request.method,
      headers: request.headers,
      signal: controller.signal,
      // A sealed call is never redirected (the attested origin is the one that answers), and with
      // redirects off fetch does not copy the request (and tee its body) for a possible resend.
      redirect: 'error',
      ...(body === undefined ? {} : { body }),
      ...extra,
    } as RequestInit);
  } catch (error) {
    disarmAll();
    throw failure(error, phase, what, url.origin, uploading);
  }
  disarm('connect');
  disarm('headers');
  const reader = res.body?.getReader();
  const cancel = (): void => {
    disarmAll();
    controller.abort();
    reader?.cancel().catch(() => undefined);
  };
  async function* read(): AsyncGenerator<Uint8Array> {
    if (reader === undefined) {
      disarmAll();
      return;
    }
    let complete = false;
    try {
      for (;;) {
        arm('body', timeouts.body);
        const next = await reader.read();
        if (next.done) {
          complete = true;
          return;
        }
        yield next.value;
      }
    } catch (error) {
      throw failure(error, phase, what, url.origin, false);
    } finally {
      // A body read to its end releases the connection by itself: aborting it would only cost an
      // exception object per call. Anything else (an error, a consumer that stopped) aborts.
      if (complete) disarmAll();
      else cancel();
    }
  }
  return { status: res.status, headers: res.headers, body: read(), cancel };
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
