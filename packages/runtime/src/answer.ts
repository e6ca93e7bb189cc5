import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROBLEM_CONTENT_TYPE } from '@blindbox/protocol';

/** Seconds a client waits before retrying a 503 (docs/protocol.md §2.2). */
const RETRY_AFTER_SECONDS = '1';
/** How long an unread request body is still drained after a refusal, so its sender reads the answer. */
const LINGER_MS = 2_000;

/** An empty answer (`content-length: 0`, `no-store`). */
export function plain(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-length': '0', 'cache-control': 'no-store', ...headers });
  res.end();
}

/** A JSON answer. */
export function json(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Refuses a request whose body was not (fully) read: 413, 415, 503. Closing at once would make the
 * client's kernel answer its next body bytes with a reset, and the client would report EPIPE instead
 * of our status (one 50 MiB upload in six did). So the rest of the body is drained (read and
 * dropped, never held) for a short while, as nginx's lingering close does, then the connection goes.
 */
export function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
): void {
  plain(res, status, headers);
  res.once('finish', () => {
    // Whoever was reading the body is done with it: from now on it is dropped, never held.
    req.removeAllListeners('data');
    req.on('data', () => {});
    req.resume();
    if (req.complete) return;
    const timer = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, LINGER_MS);
    timer.unref();
    req.once('end', () => clearTimeout(timer));
  });
}

/** `503` with `retry-after`: a budget is full; the client retries with backoff. */
export function busy(req: IncomingMessage, res: ServerResponse): void {
  refuse(req, res, 503, { 'retry-after': RETRY_AFTER_SECONDS });
}

/**
 * A plaintext problem answer (RFC 9457) of `{type, title}` and the public `extra` members (the
 * unknown-key answer's `keyId` hint, docs/protocol.md §2.2): unknown-key, unknown-session, replayed.
 */
export function problem(
  res: ServerResponse,
  status: number,
  type: string,
  title: string,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' });
  res.end(JSON.stringify({ type, title, ...extra }));
}
