import type { ClientTimeouts } from './client-limits.js';
import type { Exchange, ExchangeRequest } from './exchange.js';
import { exchangeFailure } from './exchange-failure.js';
import { ExchangeTimers } from './exchange-timers.js';

/**
 * One exchange through `fetch`: the transport of browsers, and of Node when the caller passes its
 * own `fetch` (a proxy or a custom dispatcher). Timeouts abort the fetch; the body is read from
 * its web stream.
 */
export async function fetchExchange(
  doFetch: typeof fetch,
  url: URL,
  request: ExchangeRequest,
  timeouts: Required<ClientTimeouts>,
  what: string,
): Promise<Exchange> {
  const controller = new AbortController();
  const timers = new ExchangeTimers(() => controller.abort());
  timers.arm('total', timeouts.total);
  let uploading = false;
  let body: BodyInit | undefined;
  const extra: { duplex?: 'half' } = {};
  if (request.body === undefined || request.body instanceof Uint8Array) {
    body = request.body as Uint8Array<ArrayBuffer> | undefined;
    timers.arm('headers', timeouts.connect + timeouts.headers);
  } else {
    timers.arm('connect', timeouts.connect);
    const iterator = request.body[Symbol.asyncIterator]();
    body = new ReadableStream<Uint8Array>({
      async pull(stream) {
        if (!uploading) {
          uploading = true;
          timers.disarm('connect');
        }
        const next = await iterator.next();
        if (next.done) {
          stream.close();
          uploading = false;
          timers.arm('headers', timeouts.headers);
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
    timers.disarmAll();
    throw exchangeFailure(error, timers.phase, what, url.origin, uploading);
  }
  timers.disarm('connect');
  timers.disarm('headers');
  const reader = res.body?.getReader();
  const cancel = (): void => {
    timers.disarmAll();
    controller.abort();
    reader?.cancel().catch(() => undefined);
  };
  async function* read(): AsyncGenerator<Uint8Array> {
    if (reader === undefined) {
      timers.disarmAll();
      return;
    }
    let complete = false;
    try {
      for (;;) {
        timers.arm('body', timeouts.body);
        const next = await reader.read();
        if (next.done) {
          complete = true;
          return;
        }
        yield next.value;
      }
    } catch (error) {
      throw exchangeFailure(error, timers.phase, what, url.origin, false);
    } finally {
      // A body read to its end releases the connection by itself: aborting it would only cost an
      // exception object per call. Anything else (an error, a consumer that stopped) aborts.
      if (complete) timers.disarmAll();
      else cancel();
    }
  }
  return { status: res.status, headers: res.headers, body: read(), cancel };
}
