import { BuildError, type BuildErrorCode } from './build-error.js';

/**
 * A failed `image push`: a {@link BuildError} that also carries what the registry answered, so a
 * script can tell "unauthorized" from "blob unknown" without parsing the message.
 */
export class ImagePushError extends BuildError {
  /** The HTTP status of the registry's answer, when there was one. */
  readonly status?: number;
  /** The first `errors[].code` of the registry's JSON error body (OCI distribution spec), if any. */
  readonly registryCode?: string;

  constructor(
    code: BuildErrorCode,
    message: string,
    options: { status?: number; registryCode?: string; cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    if (options.status !== undefined) this.status = options.status;
    if (options.registryCode !== undefined) this.registryCode = options.registryCode;
  }
}
