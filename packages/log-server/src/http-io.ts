import type { IncomingMessage, ServerResponse } from 'node:http';
import { LogError, type LogErrorCode } from '@blindbox/transparency';

/** The HTTP status of each refusal; anything else is a 500. */
const HTTP_STATUS: Partial<Record<LogErrorCode, number>> = {
  LOG_MALFORMED_ENTRY: 400,
  LOG_BAD_ENTRY_SIGNATURE: 400,
  LOG_BAD_REQUEST: 400,
  LOG_ENTRY_TOO_LARGE: 413,
  LOG_DUPLICATE_ENTRY: 409,
  LOG_NOT_FOUND: 404,
  LOG_BUSY: 503,
};

/**
 * Answers a failed request with Rekor's error shape `{ code, message, error }`. Only a {@link LogError}'s
 * message is shown; any other failure is an opaque 500 (its message may hold paths or internals).
 */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  const code = err instanceof LogError ? err.code : undefined;
  const status = code ? (HTTP_STATUS[code] ?? 500) : 500;
  const message = err instanceof LogError ? err.message : 'internal error';
  if (!res.headersSent) sendJson(res, status, { code: status, message, error: code ?? 'LOG_INTERNAL' });
  // stop reading a body that is over the limit: the client may still be sending it
  if (status === 413) req.destroy();
}

/** A non-negative integer query parameter (at most 16 digits, no sign, no leading zero). */
export function intParam(url: URL, name: string): number {
  const v = url.searchParams.get(name);
  if (v === null || !/^(0|[1-9][0-9]{0,15})$/.test(v)) {
    throw new LogError('LOG_BAD_REQUEST', `query parameter ${name} must be a non-negative integer`);
  }
  return Number(v);
}

/** The request body, refused with `LOG_ENTRY_TOO_LARGE` as soon as it (or its declared length) exceeds `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(
        new LogError(
          'LOG_ENTRY_TOO_LARGE',
          `request body of ${declared} bytes exceeds the limit of ${limit}`,
        ),
      );
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new LogError('LOG_ENTRY_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`));
        req.pause();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value), 'no-store');
}

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Uint8Array,
  cache: string,
): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': cache,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
