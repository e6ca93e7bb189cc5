/** Stable codes of {@link ScaffoldError}. */
export type ScaffoldErrorCode =
  /** A flag or argument the scaffolder does not know, or a flag without its value. */
  | 'CREATE_USAGE'
  /** The project name is not a valid name for a new npm package. */
  | 'CREATE_INVALID_NAME'
  /** The target folder exists and is not empty: nothing is overwritten. */
  | 'CREATE_TARGET_NOT_EMPTY'
  /** No template of that name ships with this scaffolder. */
  | 'CREATE_UNKNOWN_TEMPLATE'
  /** The templates folder is missing (a broken install). */
  | 'CREATE_NO_TEMPLATES'
  /** The user cancelled an interactive prompt. */
  | 'CREATE_CANCELLED'
  /** The package manager's install failed (the project was written). */
  | 'CREATE_INSTALL_FAILED';

/** The one error type of create-blindbox-app; `exitCode` 2 for bad input, 1 otherwise. */
export class ScaffoldError extends Error {
  override readonly name = 'ScaffoldError';
  constructor(
    readonly code: ScaffoldErrorCode,
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}
