import type { Check } from './verification-report.js';

/** Stable codes of {@link AttestationError}. Codes never change meaning; new ones may be added. */
export type AttestationErrorCode =
  | 'ATTESTATION_MALFORMED_EVIDENCE'
  | 'ATTESTATION_UNSUPPORTED'
  | 'ATTESTATION_SIMULATED_NOT_ALLOWED'
  | 'ATTESTATION_UNTRUSTED_ROOT'
  | 'ATTESTATION_BAD_SIGNATURE'
  | 'ATTESTATION_CERT_CHAIN'
  | 'ATTESTATION_CERT_EXPIRED'
  | 'ATTESTATION_MISSING_COLLATERAL'
  | 'ATTESTATION_TCB'
  | 'ATTESTATION_DEBUG'
  | 'ATTESTATION_POLICY'
  | 'ATTESTATION_STALE'
  | 'ATTESTATION_MEASUREMENT_MISMATCH'
  | 'ATTESTATION_HOST_DATA_MISMATCH'
  | 'ATTESTATION_PCR_MISMATCH'
  | 'ATTESTATION_NONCE_MISMATCH'
  | 'ATTESTATION_BINDING_MISMATCH';

/** The one error class of `@blindbox/attestation`: evidence was rejected (fail closed). */
export class AttestationError extends Error {
  override readonly name = 'AttestationError';
  readonly code: AttestationErrorCode;
  /** Checks made before and including the failing one. */
  readonly checks: Check[];

  constructor(
    code: AttestationErrorCode,
    message: string,
    checks: Check[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.checks = checks;
  }
}

/**
 * Records checks in order and throws at the first failure, so every verifier reports the same way.
 */
export class CheckList {
  readonly checks: Check[] = [];

  /** Records a check; throws `AttestationError(code, message)` when `ok` is false. */
  require(
    ok: boolean,
    name: string,
    code: AttestationErrorCode,
    message: string,
    values: { expected?: string; found?: string } = {},
  ): void {
    this.checks.push({ name, ok, ...values });
    if (!ok) throw new AttestationError(code, message, [...this.checks]);
  }

  /** Records a passed check whose outcome was decided elsewhere (e.g. by a parser). */
  pass(name: string, values: { expected?: string; found?: string } = {}): void {
    this.checks.push({ name, ok: true, ...values });
  }
}

/**
 * Runs a verifier's body so that whatever it throws leaves as an {@link AttestationError} whose last
 * check failed: parser errors get the checks made so far plus a failing `name` check, and anything
 * unexpected (a bug, a WebCrypto refusal) fails closed as `ATTESTATION_MALFORMED_EVIDENCE` with the
 * original error as `cause`.
 */
export async function runChecks<T>(checks: CheckList, name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof AttestationError && err.checks.at(-1)?.ok === false) throw err;
    const code: AttestationErrorCode =
      err instanceof AttestationError ? err.code : 'ATTESTATION_MALFORMED_EVIDENCE';
    const message =
      err instanceof AttestationError
        ? err.message
        : `evidence could not be processed (${err instanceof Error ? err.message : String(err)})`;
    throw new AttestationError(code, message, [...checks.checks, { name, ok: false, found: message }], {
      cause: err,
    });
  }
}
