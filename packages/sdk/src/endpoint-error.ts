/**
 * The error a handler throws to answer a call with a typed failure. Its `code` and `message` reach
 * the client (sealed like any response); anything else a handler throws reaches the client only as
 * `INTERNAL`, so that stack traces and secrets never leave the enclave.
 */
export class EndpointError extends Error {
  override readonly name = 'EndpointError';
  /** Stable, upper-snake-case code the client can branch on, e.g. `NOT_FOUND`. */
  readonly code: string;
  /** Optional JSON pointer to the offending input field, e.g. `/audio`. */
  readonly path?: string;

  constructor(code: string, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(code)) {
      throw new TypeError(
        `EndpointError code must be UPPER_SNAKE_CASE (at most 64 characters), got ${JSON.stringify(code)}`,
      );
    }
    this.code = code;
    if (options.path !== undefined) this.path = options.path;
  }
}
