/** Stable codes of {@link LogError}. Codes never change meaning; new ones may be added. */
export type LogErrorCode =
  /** The log refused an entry: malformed (HTTP 400). */
  | 'LOG_MALFORMED_ENTRY'
  /** The log refused an entry: too large (HTTP 413). */
  | 'LOG_ENTRY_TOO_LARGE'
  /** The log refused an entry whose signature does not verify (HTTP 400). */
  | 'LOG_BAD_ENTRY_SIGNATURE'
  /** Too many appends are waiting for the disk (HTTP 503; clients retry). */
  | 'LOG_BUSY'
  /** The entry is already in the log (HTTP 409). */
  | 'LOG_DUPLICATE_ENTRY'
  /** The log's files are damaged or disagree with the checkpoint it last signed: it refuses to start. */
  | 'LOG_STORAGE_CORRUPT'
  /** A request to the log named something that does not exist (HTTP 404), or the log is unreachable. */
  | 'LOG_NOT_FOUND'
  /** A request to the log, or the log's answer, is malformed (an invalid range, a truncated tile). */
  | 'LOG_BAD_REQUEST';

/**
 * The error of a transparency log: what the embedded log server refuses (each code maps to one HTTP
 * status) and what a log client (`monitorLog`, `fetchLogTrustedRoot`) meets when a log cannot be read.
 * A verdict on a release (bad signature, fork, untrusted key) is a `TransparencyError` instead.
 */
export class LogError extends Error {
  override readonly name = 'LogError';
  readonly code: LogErrorCode;

  constructor(code: LogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
