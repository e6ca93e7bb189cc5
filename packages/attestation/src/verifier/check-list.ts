import { AttestationError, type AttestationErrorCode } from '../attestation-error.js';
import type { Check } from '../verification-report.js';

/** What a check required and what the evidence held, in printable form (hex for bytes). */
export interface CheckValues {
  expected?: string;
  found?: string;
}

/**
 * The checks one verification made, in order. Every verifier step records what it checked here and
 * throws at its first failure, so that every verifier reports the same way: an accepted
 * `VerificationReport` lists every check (all `ok`), a rejection's {@link AttestationError}
 * lists the checks up to and including the failing one.
 *
 * ```ts
 * checks.require(report.version === 4, 'tdx.quote.version', 'ATTESTATION_UNSUPPORTED',
 *   `quote version ${report.version} is not 4`, { expected: '4', found: String(report.version) });
 * ```
 */
export class CheckList {
  readonly checks: Check[] = [];

  /** Records a check; throws `AttestationError(code, message)` when `ok` is false. */
  require(
    ok: boolean,
    name: string,
    code: AttestationErrorCode,
    message: string,
    values: CheckValues = {},
  ): void {
    this.checks.push({ name, ok, ...values });
    if (!ok) throw new AttestationError(code, message, [...this.checks]);
  }

  /** Records a passed check whose outcome was decided elsewhere (e.g. by a parser that throws). */
  pass(name: string, values: CheckValues = {}): void {
    this.checks.push({ name, ok: true, ...values });
  }
}

/**
 * Runs a verifier's steps so that whatever they throw leaves as an {@link AttestationError} whose last
 * check failed: parser errors get the checks made so far plus a failing `name` check, and anything
 * unexpected (a bug, a WebCrypto refusal) fails closed as `ATTESTATION_MALFORMED_EVIDENCE` with the
 * original error as `cause`. Every public `verify…` function is `runChecks` around its steps:
 *
 * ```ts
 * export async function verifyTdxQuote(quote: Uint8Array, options: TdxVerifyOptions = {}) {
 *   const checks = new CheckList();
 *   return runChecks(checks, 'tdx.evidence', () => verifyTdx(quote, options, checks));
 * }
 * ```
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
