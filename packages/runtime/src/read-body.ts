import type { IncomingMessage } from 'node:http';

/** The body was larger than the limit: the caller answers 413 and closes the connection. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** The bodies in flight together exceed a budget: the caller answers 503. */
export class BodyBudgetExceededError extends Error {
  override readonly name = 'BodyBudgetExceededError';
}

/** No byte of the body arrived within the idle timeout: the caller answers 408 and closes. */
export class BodyStalledError extends Error {
  override readonly name = 'BodyStalledError';
}

/** The client went away before the body was complete: there is nobody to answer. */
export class BodyAbortedError extends Error {
  override readonly name = 'BodyAbortedError';
}

/** Options of {@link readBody}. */
export interface ReadBodyOptions {
  /** Largest body accepted, in bytes. */
  limit: number;
  /** Abandon the body when no byte arrives for this long (ms). Default: no idle timeout. */
  idleTimeoutMs?: number;
  /**
   * Called before buffering more bytes than were reserved (bodies without `content-length`); throws
   * to refuse them (the budget is full).
   */
  grow?: (bytes: number) => void;
}

/** The declared `content-length`, or undefined (chunked); throws BodyTooLargeError above `limit`. */
export function declaredLength(req: IncomingMessage, limit: number): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined) return undefined;
  const declared = Number(header);
  if (!Number.isSafeInteger(declared) || declared < 0) throw new BodyTooLargeError('bad content-length');
  if (declared > limit) throw new BodyTooLargeError(`body of ${declared} bytes over ${limit}`);
  return declared;
}

/**
 * Reads a request body into one buffer. With a `content-length` the buffer is allocated once at
 * that size and each chunk is copied in as it arrives, so the server holds the body exactly once
 * (concatenating the socket's chunks at the end held it twice). Refuses more than `limit` bytes;
 * gives up when the body stalls for `idleTimeoutMs` (a slow-loris upload held the body budget for
 * minutes otherwise).
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<Uint8Array> {
  const declared = declaredLength(req, options.limit);
  return new Promise<Uint8Array>((resolve, reject) => {
    const fixed = declared === undefined ? undefined : new Uint8Array(declared);
    const chunks: Uint8Array[] = [];
    let size = 0;
    let idle: IdleTimer | undefined;
    const arm = () => {
      if (options.idleTimeoutMs === undefined) return;
      idle ??= idleTimer(options.idleTimeoutMs, () => {
        fail(new BodyStalledError('request body stalled'));
        return true;
      });
      idle.touch();
    };
    const cleanup = () => {
      idle?.stop();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (err: Error) => {
      cleanup();
      // Stop reading: what the client sends after a refusal is not ours to buffer.
      req.pause();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      arm();
      if (size + chunk.length > options.limit)
        return fail(new BodyTooLargeError(`body over ${options.limit}`));
      if (fixed) {
        fixed.set(chunk, size);
      } else {
        try {
          options.grow?.(chunk.length);
        } catch (err) {
          return fail(err as Error);
        }
        chunks.push(chunk);
      }
      size += chunk.length;
    };
    const onEnd = () => {
      cleanup();
      if (fixed) {
        resolve(size === fixed.length ? fixed : fixed.subarray(0, size));
        return;
      }
      const all = Buffer.concat(chunks, size);
      resolve(new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
    };
    const onError = (err: Error) => fail(new BodyAbortedError(err.message));
    const onClose = () => {
      if (!req.complete) fail(new BodyAbortedError('the client closed the connection mid-body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    arm();
  });
}

/** An inactivity timer: {@link IdleTimer.touch} on every byte; fires once `ms` pass without one. */
export interface IdleTimer {
  touch(): void;
  stop(): void;
}

/**
 * An inactivity timer that does not fire merely because the event loop was busy: timers run before
 * pending socket reads, so after a long handler or GC pause a plain setTimeout would call a body
 * stalled whose bytes were waiting to be read. On expiry it looks again after the poll phase
 * (setImmediate), when those bytes have been delivered and have touched the timer. `onIdle` may
 * return false to keep waiting.
 */
export function idleTimer(ms: number, onIdle: () => boolean | undefined): IdleTimer {
  let last = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = () => {
    setImmediate(() => {
      if (stopped) return;
      const quiet = performance.now() - last;
      // onIdle returns false when the quiet was not the client's fault (we were not reading).
      if (quiet >= ms && onIdle() !== false) return;
      timer = setTimeout(check, quiet >= ms ? ms : ms - quiet);
    });
  };
  timer = setTimeout(check, ms);
  return {
    touch: () => {
      last = performance.now();
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
