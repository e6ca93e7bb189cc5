import { ClientError, type TimeoutPhase } from './client-error.js';

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
export function exchangeFailure(
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
