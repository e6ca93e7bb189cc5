import type { IncomingMessage } from 'node:http';
import { BodyAbortedError, BodyStalledError, BodyTooLargeError, idleTimer } from './read-body.js';

/** Options of {@link bodyChunks}. */
export interface BodyChunksOptions {
  /** Most bytes the body may have; more throws BodyTooLargeError (a `413`, even mid-upload). */
  limit: number;
  /** No byte for this long throws BodyStalledError (a `408`). */
  idleTimeoutMs: number;
  /**
   * Slowest average rate accepted once `rateGraceMs` of waiting for the client have passed, in
   * bytes per second of that waiting; slower throws BodyStalledError. Default: no minimum.
   */
  minBytesPerSecond?: number;
  /** Waiting for the client before the rate is enforced, ms. Default: `idleTimeoutMs`. */
  rateGraceMs?: number;
}

/**
 * Bytes read ahead of the consumer before the body is paused: two socket reads. Pausing after every
 * read (as this did) stopped the socket while each piece was opened, and a 50 MiB upload waited an
 * event-loop turn per 64 KiB for it to read again (issue 8); the stream budget
 * (serve-call.ts, STREAM_HOLD_BYTES) counts these bytes as its socket buffers.
 */
const READ_AHEAD_BYTES = 128 * 1024;

/**
 * The request body as it arrives, one socket chunk at a time, for bodies that are processed as a
 * stream (session messages: each sealed chunk is opened and handed on, so the server holds one
 * chunk, not the body). Enforces the size limit and the idle timeout, and turns a client that went
 * away into BodyAbortedError.
 */
export async function* bodyChunks(
  req: IncomingMessage,
  options: BodyChunksOptions,
): AsyncGenerator<Uint8Array> {
  // Events, not the stream's own async iterator: that one owns the stream (ending it early destroys
  // the socket), while a refusal must still be able to drain the rest of the body (answer.ts).
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const idle = idleTimer(options.idleTimeoutMs, () => {
    // Only while waiting for the client: a consumer working on a chunk is not the client stalling.
    if (wake === undefined) return false;
    failure ??= new BodyStalledError('request body stalled');
    notify();
    return true;
  });
  // Trickling (a byte every few seconds, never idle long enough for the idle timeout) held the
  // budget until the 600 s request timeout: what counts is the rate over the time spent waiting
  // for the client, not the time the body sat paused while we worked on it.
  const minRate = options.minBytesPerSecond ?? 0;
  const grace = options.rateGraceMs ?? options.idleTimeoutMs;
  let waitedMs = 0;
  let waitingSince: number | undefined;
  let received = 0;
  const onData = (chunk: Buffer) => {
    idle.touch();
    received += chunk.length;
    if (waitingSince !== undefined) {
      const now = performance.now();
      waitedMs += now - waitingSince;
      waitingSince = now;
    }
    if (minRate > 0 && waitedMs > grace && received < ((waitedMs - grace) / 1000) * minRate) {
      failure ??= new BodyStalledError('request body slower than the minimum rate');
    }
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= READ_AHEAD_BYTES) req.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (err: Error) => {
    failure = new BodyAbortedError(err.message);
    notify();
  };
  const onClose = () => {
    if (!req.complete) failure ??= new BodyAbortedError('the client closed the connection mid-body');
    notify();
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
  req.on('close', onClose);
  let size = 0;
  try {
    for (;;) {
      if (failure instanceof BodyStalledError) throw failure;
      const chunk = queue.shift();
      if (chunk !== undefined) {
        queued -= chunk.length;
        // Read on while the consumer works on this piece (bounded by READ_AHEAD_BYTES).
        if (queued < READ_AHEAD_BYTES && req.isPaused() && !ended) req.resume();
        size += chunk.length;
        if (size > options.limit) throw new BodyTooLargeError(`body over ${options.limit} bytes`);
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      // The time the consumer spent on earlier pieces is not the client stalling.
      idle.touch();
      waitingSince = performance.now();
      await new Promise<void>((resolve) => {
        wake = resolve;
        req.resume();
      });
      if (waitingSince !== undefined) waitedMs += performance.now() - waitingSince;
      waitingSince = undefined;
    }
  } finally {
    idle.stop();
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('close', onClose);
    req.pause();
  }
}

/** `first`, then the rest of `rest`. */
export async function* prepend(
  first: Uint8Array,
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}
