import { equalBytes, hexEncode } from '@blindbox/bytes';
import { AttestationError, type AttestationErrorCode } from '../attestation-error.js';
import type { CheckList } from './check-list.js';

/**
 * Expected-value checks shared by every verifier: policy lists of accepted hex values (measurements,
 * host data, chip ids, PCRs, TDX MRTD/RTMRs…) and exact byte comparisons against what the caller
 * expects (the protocol binding, a nonce, a public key). A policy value that is not the hex it
 * claims to be is refused with `ATTESTATION_POLICY` (a typo must not silently accept nothing or
 * everything); an absent policy means "not checked here", never "accept anything that was checked".
 */

function lengthsText(byteLengths: readonly number[]): string {
  if (byteLengths.length === 1) return String(byteLengths[0]);
  return `${byteLengths.slice(0, -1).join(', ')} or ${byteLengths.at(-1)}`;
}

/**
 * One policy value as lowercase hex of one of `byteLengths` bytes. Surrounding whitespace and upper
 * case are tolerated (values are pasted from tools); anything else throws `ATTESTATION_POLICY`.
 */
export function policyHexValue(value: string, what: string, byteLengths: readonly number[]): string {
  const clean = value.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(clean) || clean.length % 2 !== 0 || !byteLengths.includes(clean.length / 2)) {
    throw new AttestationError(
      'ATTESTATION_POLICY',
      `policy ${what} "${value}" is not ${lengthsText(byteLengths)} bytes of hex`,
    );
  }
  return clean;
}

/** What one accepted-values check is called and how it fails. */
export interface AcceptedValueCheck {
  /** The check's name in the report, e.g. `snp.measurement`. */
  name: string;
  /** The error code when the evidence's value is not accepted. */
  code: AttestationErrorCode;
  /** What policy error messages call one value, e.g. `measurement`. */
  what: string;
  /** Sizes a value may have, in bytes. */
  byteLengths: readonly number[];
  /** The rejection message for the value found (lowercase hex). */
  message: (found: string) => string;
}

/**
 * Requires `found` (lowercase hex from the evidence) to be one of the policy's `accepted` values.
 * Records nothing when the policy lists none (`accepted` undefined): that value is not checked here.
 */
export function requireAcceptedValue(
  checks: CheckList,
  check: AcceptedValueCheck,
  accepted: readonly string[] | undefined,
  found: string,
): void {
  if (accepted === undefined) return;
  const values = accepted.map((v) => policyHexValue(v, check.what, check.byteLengths));
  checks.require(values.includes(found), check.name, check.code, check.message(found), {
    expected: values.join(','),
    found,
  });
}

/**
 * Requires the evidence's `found` bytes (absent when the evidence lacks the field) to equal
 * `expected`, in constant time. Records nothing when nothing is expected (`expected` undefined).
 * Use it for the binding (`binding.reportData`, `binding.userData`) and for nonces and keys.
 */
export function requireExpectedBytes(
  checks: CheckList,
  name: string,
  code: AttestationErrorCode,
  expected: Uint8Array | undefined,
  found: Uint8Array | undefined,
  message: string,
): void {
  if (expected === undefined) return;
  checks.require(found !== undefined && equalBytes(found, expected), name, code, message, {
    expected: hexEncode(expected),
    found: found === undefined ? '(absent)' : hexEncode(found),
  });
}
