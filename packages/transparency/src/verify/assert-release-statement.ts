import {
  IN_TOTO_STATEMENT_V1,
  RELEASE_PREDICATE_TYPE,
  type ReleasePredicateCore,
  type ReleaseStatement,
} from '@blindbox/protocol';
import { TransparencyError } from '../transparency-error.js';

/** A release statement as far as verification checked it: the core predicate fields; the rest pass through. */
export type CheckedReleaseStatement = ReleaseStatement<ReleasePredicateCore & Record<string, unknown>>;

/**
 * Checks that `value` is a BlindBox release statement: in-toto Statement v1, the release predicate
 * type, a subject with a SHA-256 digest, and the predicate fields clients rely on. Throws
 * `TRANSPARENCY_MALFORMED_BUNDLE` naming the first field that is wrong.
 */
export function assertReleaseStatement(value: unknown): CheckedReleaseStatement {
  const fail = (what: string): never => {
    throw new TransparencyError(
      'TRANSPARENCY_MALFORMED_BUNDLE',
      `the release statement is malformed: ${what}`,
    );
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  const s = value as Record<string, unknown>;
  if (s['_type'] !== IN_TOTO_STATEMENT_V1) fail(`_type must be ${IN_TOTO_STATEMENT_V1}`);
  if (s['predicateType'] !== RELEASE_PREDICATE_TYPE) fail(`predicateType must be ${RELEASE_PREDICATE_TYPE}`);
  const subject = s['subject'];
  if (!Array.isArray(subject) || subject.length === 0) return fail('subject must be a non-empty array');
  for (const [i, sub] of subject.entries()) {
    const digest = (sub as { digest?: { sha256?: unknown } } | null)?.digest?.sha256;
    if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest))
      fail(`subject[${i}].digest.sha256 must be 64 hex digits`);
  }
  const p = s['predicate'] as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null) return fail('predicate must be an object');
  if (typeof p['app'] !== 'string' || typeof p['version'] !== 'string')
    fail('predicate.app and predicate.version must be strings');
  const m = p['measurements'];
  if (typeof m !== 'object' || m === null || Object.values(m).some((v) => typeof v !== 'string')) {
    fail('predicate.measurements must map names to strings');
  }
  return value as CheckedReleaseStatement;
}
