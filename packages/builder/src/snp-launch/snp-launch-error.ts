/** Stable codes of a launch-measurement computation that cannot proceed. */
export type SnpLaunchErrorCode =
  | 'SNP_LAUNCH_BAD_FIRMWARE'
  | 'SNP_LAUNCH_NO_KERNEL_HASHES'
  | 'SNP_LAUNCH_BAD_ARGUMENT';

/** Why an expected SEV-SNP launch measurement could not be computed; the message says what to change. */
export class SnpLaunchError extends Error {
  override readonly name = 'SnpLaunchError';
  constructor(
    readonly code: SnpLaunchErrorCode,
    message: string,
  ) {
    super(message);
  }
}
