/** Stable codes of {@link ActionError}: each refusal of the action has one. */
export type ActionErrorCode =
  | 'ACTION_BAD_INPUT'
  | 'ACTION_UNTAGGED_REF'
  | 'ACTION_NO_BLINDBOX'
  | 'ACTION_BUILD_FAILED'
  | 'ACTION_BAD_KEY'
  | 'ACTION_VERSION_REPUBLISHED'
  | 'ACTION_LOG_UNREACHABLE'
  | 'ACTION_SIGNING_FAILED'
  | 'ACTION_VERIFICATION_FAILED';

/** The action's one error type; its message is what `core.setFailed` reports. */
export class ActionError extends Error {
  override readonly name = 'ActionError';
  constructor(
    readonly code: ActionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
