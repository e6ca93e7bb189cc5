/** Stable codes of {@link BuildError}. Codes never change meaning; new ones may be added. */
export type BuildErrorCode =
  | 'ANALYZE_NO_ENCLAVE'
  | 'ANALYZE_MULTIPLE_ENCLAVES'
  | 'ANALYZE_NOT_EXPORTED'
  | 'ANALYZE_BAD_ENCLAVE_OPTIONS'
  | 'ANALYZE_UNSUPPORTED_TYPE'
  | 'ANALYZE_BAD_SIGNATURE'
  | 'ANALYZE_DUPLICATE_ENDPOINT'
  | 'ANALYZE_BAD_PROJECT'
  | 'ANALYZE_SYNTAX_ERROR'
  | 'ANALYZE_NOT_SDK_DECORATOR'
  | 'ANALYZE_NOT_ASYNC'
  | 'ANALYZE_BAD_ENDPOINT_OPTIONS'
  | 'ANALYZE_BAD_CONSTRAINT'
  | 'BUNDLE_FAILED'
  | 'BUNDLE_NOT_DETERMINISTIC'
  | 'IMAGE_WRITE_FAILED'
  | 'CODEGEN_NAME_COLLISION'
  | 'BUILD_BAD_OPTIONS'
  | 'RUNTIME_UNKNOWN_VERSION'
  | 'RUNTIME_FETCH_FAILED'
  | 'RUNTIME_INTEGRITY_MISMATCH'
  | 'ASSET_INVALID'
  | 'REPRODUCE_MISMATCH'
  | 'IMAGE_INVALID'
  | 'IMAGE_PUSH_BAD_REF'
  | 'IMAGE_PUSH_FAILED'
  | 'IMAGE_PUSH_AUTH_FAILED'
  | 'IMAGE_PUSH_DIGEST_MISMATCH';

/** Where in the app's source a problem is: a project-relative POSIX path, 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * The one error class of `@blindbox/builder`. For source problems the message starts with
 * `file:line:column` (project-relative, so it is clickable in an editor and leaks no machine path).
 */
export class BuildError extends Error {
  override readonly name = 'BuildError';
  readonly code: BuildErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /**
   * Every problem the step found, when it reports several at once (the analysis does): this error
   * is the first of them, and its message lists them all.
   */
  readonly errors?: readonly BuildError[];

  constructor(
    code: BuildErrorCode,
    message: string,
    options: { at?: SourceLocation; cause?: unknown; errors?: readonly BuildError[] } = {},
  ) {
    const at = options.at;
    super(at ? `${at.file}:${at.line}:${at.column}: ${message}` : message, { cause: options.cause });
    this.code = code;
    if (at) {
      this.file = at.file;
      this.line = at.line;
      this.column = at.column;
    }
    if (options.errors) this.errors = options.errors;
  }
}
