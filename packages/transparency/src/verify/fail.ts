import { TransparencyError, type TransparencyErrorCode } from '../transparency-error.js';

/** Throws the verdict: every failed check ends here, so none can return a partial answer. */
export function fail(code: TransparencyErrorCode, message: string, cause?: unknown): never {
  throw new TransparencyError(code, message, cause === undefined ? undefined : { cause });
}
