import type { IncomingMessage } from 'node:http';

/** The body was larger than the limit: the caller answers 413 and closes the connection. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** Bytes buffered by all requests in flight, shared by the server's calls. */
export interface BodyBudget {
  used: number;
  readonly max: number;
}

/** The bodies in flight together exceed the server's budget: the caller answers 503. */
export class BodyBudgetExceededError extends Error {
  override readonly name = 'BodyBudgetExceededError';
}

/**
 * Reads a request body into memory, refusing to buffer more than `limit` bytes, and, with a
 * `budget`, more than its `max` across all requests in flight. Returns how many bytes this request
 * took from the budget in `onCharge`; the caller gives them back when the request is done.
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  budget?: BodyBudget,
  onCharge: (bytes: number) => void = () => {},
): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(`body of ${declared} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(`body over ${limit} bytes`);
    if (budget) {
      if (budget.used + chunk.length > budget.max) {
        throw new BodyBudgetExceededError('too many bytes in flight');
      }
      budget.used += chunk.length;
      onCharge(chunk.length);
    }
    chunks.push(chunk);
  }
  const all = Buffer.concat(chunks, size);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}
