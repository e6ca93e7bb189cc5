import { nodeBuiltin } from '@blindbox/protocol/internal';
import type { ClientTimeouts } from './client-limits.js';
import type { Exchange, ExchangeRequest, ResponseHeaders } from './exchange.js';
import { exchangeFailure } from './exchange-failure.js';
import { ExchangeTimers } from './exchange-timers.js';

// The few node:http members used, typed structurally ("types": [] keeps Node's types out of src, and
// the module is found at run time, so no import statement reaches a browser bundle).
interface NodeSocket {
  connecting: boolean;
  once(event: 'connect', listener: () => void): unknown;
}
interface NodeIncoming extends AsyncIterable<Uint8Array> {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  destroy(error?: Error): unknown;
}
interface NodeClientRequest {
  reusedSocket: boolean;
  on(event: 'response' | 'error' | 'socket', listener: (arg: never) => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
  write(chunk: Uint8Array): boolean;
  readonly writableLength: number;
  end(chunk?: Uint8Array, callback?: () => void): unknown;
  destroy(error?: Error): unknown;
}
interface NodeHttp {
  request(
    url: URL,
    options: { method: string; headers: Record<string, string>; agent: unknown },
  ): NodeClientRequest;
  Agent: new (options: { keepAlive: boolean; timeout: number }) => unknown;
}

/**
 * An idle pooled connection is closed after this long (or 1 s before the server's
 * `Keep-Alive: timeout=` hint, which Node's agent honours), so that a request seldom meets a
 * connection the server is closing.
 */
const IDLE_SOCKET_MS = 4_000;
/**
 * A streamed upload keeps writing until this much waits in the socket's buffer (Node's own mark is
 * 16 KiB: less than one 256 KiB frame, so each frame waited to be drained before the next was
 * sealed, and the client's sealing and the server's opening took turns instead of overlapping).
 */
const UPLOAD_AHEAD_BYTES = 1024 * 1024;
/** A request that met a pooled connection the server had closed is sent again, at most this often. */
const STALE_SOCKET_RETRIES = 2;
/** Errors of a pooled connection closed by the server before it read the request. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

interface Transport {
  http: NodeHttp;
  agent: unknown;
}
let transports: { 'http:'?: Transport; 'https:'?: Transport } | undefined;

/** node:http and node:https with one keep-alive agent each, or undefined where the platform is not Node. */
function transportFor(protocol: string): Transport | undefined {
  if (protocol !== 'http:' && protocol !== 'https:') return undefined;
  transports ??= {};
  const known = transports[protocol];
  if (known !== undefined) return known;
  const http = nodeBuiltin<NodeHttp>(
    protocol === 'http:' ? 'node:http' : 'node:https',
    (m) => typeof m.request === 'function',
  );
  if (http === undefined) return undefined;
  const made = { http, agent: new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }) };
  transports[protocol] = made;
  return made;
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | undefined)?.code;
}

function headersOf(res: NodeIncoming): ResponseHeaders {
  return {
    get(name) {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * One exchange through node:http(s) with a keep-alive agent, or undefined where the platform is not
 * Node. Same contract as the fetch transport: the timeouts destroy the request, every failure is
 * typed, a body read to its end returns its connection to the pool. A streamed body is written
 * as it is produced, each piece after the previous one was taken by the socket (backpressure).
 */
export function nodeExchange(
  url: URL,
  request: ExchangeRequest,
  timeouts: Required<ClientTimeouts>,
  what: string,
): Promise<Exchange> | undefined {
  const transport = transportFor(url.protocol);
  if (transport === undefined) return undefined;
  return send(transport, url, request, timeouts, what, STALE_SOCKET_RETRIES);
}

function send(
  transport: Transport,
  url: URL,
  request: ExchangeRequest,
  timeouts: Required<ClientTimeouts>,
  what: string,
  staleRetries: number,
): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    const streamed = request.body !== undefined && !(request.body instanceof Uint8Array);
    const headers: Record<string, string> = { ...request.headers };
    if (request.body instanceof Uint8Array) headers['content-length'] = String(request.body.length);
    const req = transport.http.request(url, { method: request.method, headers, agent: transport.agent });
    let res: NodeIncoming | undefined;
    let uploading = false;
    let settled = false;
    const timers = new ExchangeTimers(() => {
      const error = new Error(`the ${timers.phase} timeout elapsed`);
      req.destroy(error);
      res?.destroy(error);
    });
    timers.arm('total', timeouts.total);
    timers.arm(
      streamed ? 'connect' : 'headers',
      streamed ? timeouts.connect : timeouts.connect + timeouts.headers,
    );

    req.on('error', (error: Error) => {
      if (settled) return; // after the headers, failures surface while reading the body
      settled = true;
      timers.disarmAll();
      // A pooled connection the server closed while idle: it read nothing, so the same bytes are
      // sent again on another connection. (Even were that wrong, a resend of sealed bytes runs the
      // handler at most once: the server's replay cache or session window refuses the second.)
      if (
        req.reusedSocket &&
        !streamed &&
        staleRetries > 0 &&
        STALE_SOCKET_CODES.has(codeOf(error) as string)
      ) {
        resolve(send(transport, url, request, timeouts, what, staleRetries - 1));
        return;
      }
      reject(exchangeFailure(error, timers.phase, what, url.origin, uploading));
    });

    req.on('response', (response: NodeIncoming) => {
      res = response;
      if (settled) {
        response.destroy();
        return;
      }
      settled = true;
      timers.disarm('connect');
      timers.disarm('headers');
      const cancel = (): void => {
        timers.disarmAll();
        response.destroy();
        req.destroy();
      };
      resolve({
        status: response.statusCode ?? 0,
        headers: headersOf(response),
        body: readBody(response, timers, timeouts.body, cancel, what, url.origin),
        cancel,
      });
    });

    if (!streamed) {
      req.end(request.body as Uint8Array | undefined);
      return;
    }
    req.on('socket', (socket: NodeSocket) => {
      const start = (): void => {
        timers.disarm('connect');
        uploading = true;
        pump(req, request.body as AsyncIterable<Uint8Array>).then(
          () => {
            uploading = false;
            if (!settled) timers.arm('headers', timeouts.headers);
          },
          (error: unknown) => req.destroy(error instanceof Error ? error : new Error(String(error))),
        );
      };
      if (socket.connecting) socket.once('connect', start);
      else start();
    });
  });
}

/** Writes a streamed body piece by piece, at most {@link UPLOAD_AHEAD_BYTES} ahead of the socket; ends the request. */
async function pump(req: NodeClientRequest, body: AsyncIterable<Uint8Array>): Promise<void> {
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  req.once('close', onClose);
  try {
    for await (const piece of body) {
      if (closed) return; // the exchange ended (an early answer, an error): the generator is closed by the return
      if (!req.write(piece) && req.writableLength > UPLOAD_AHEAD_BYTES) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            req.off('drain', done);
            req.off('close', done);
            resolve();
          };
          req.once('drain', done);
          req.once('close', done);
        });
      }
    }
    if (!closed) await new Promise<void>((resolve) => req.end(undefined, resolve));
  } finally {
    req.off('close', onClose);
  }
}

/** The body as it arrives, the body timeout re-armed before each piece. */
async function* readBody(
  res: NodeIncoming,
  timers: ExchangeTimers,
  bodyMs: number,
  cancel: () => void,
  what: string,
  origin: string,
): AsyncGenerator<Uint8Array> {
  let complete = false;
  try {
    timers.arm('body', bodyMs);
    for await (const piece of res) {
      // A plain view, not the Buffer: a Buffer's slice() shares memory where a Uint8Array's copies.
      yield new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength);
      timers.arm('body', bodyMs);
    }
    complete = true;
  } catch (error) {
    throw exchangeFailure(error, timers.phase, what, origin, false);
  } finally {
    if (complete) timers.disarmAll();
    else cancel();
  }
}
