import type { CheckList } from '../verifier/check-list.js';
import type { NitroPolicy } from './nitro-policy.js';
import type { NitroDocument } from './parse-nitro-document.js';

/** Tolerated clock skew for documents from the future. */
const FUTURE_SKEW_MS = 60_000;
/** The lifetime of the NSM's signing certificate: a document never outlives its chain. */
const DEFAULT_MAX_AGE_SECONDS = 3 * 3600;

/** Step 4, freshness: the NSM signed the document within `maxAgeSeconds` before `at` (and not in the future). */
export function checkNitroFreshness(
  doc: NitroDocument,
  at: Date,
  policy: Pick<NitroPolicy, 'maxAgeSeconds'>,
  checks: CheckList,
): void {
  const maxAge = (policy.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
  const age = at.getTime() - doc.timestamp.getTime();
  checks.require(
    age <= maxAge && age >= -FUTURE_SKEW_MS,
    'nitro.freshness',
    'ATTESTATION_STALE',
    `the document was signed at ${doc.timestamp.toISOString()}, outside [${new Date(at.getTime() - maxAge).toISOString()}, ${at.toISOString()}]`,
    { expected: `<= ${maxAge / 1000}s old`, found: `${Math.round(age / 1000)}s` },
  );
}
