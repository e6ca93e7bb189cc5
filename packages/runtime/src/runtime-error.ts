/** Stable codes of {@link RuntimeError}. */
export type RuntimeErrorCode =
  | 'RUNTIME_BAD_CONFIG'
  | 'RUNTIME_NOT_AN_ENCLAVE'
  | 'RUNTIME_ATTESTATION_UNAVAILABLE'
  | 'RUNTIME_ATTESTATION_BUSY'
  | 'RUNTIME_SIMULATOR_UNAVAILABLE'
  | 'RUNTIME_IMAGE_INVALID';

/** The one error class of `@blindbox/runtime`: the server cannot start or cannot attest. */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
