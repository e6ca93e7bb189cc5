import { TransparencyError } from './transparency-error.js';

/** The in-toto Statement v1 type and the BlindBox release predicate (docs/design.md §6). */
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const RELEASE_PREDICATE_TYPE = 'https://blindbox.dev/release/v1';
/** DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** The release statement as far as verification relies on it; other fields pass through untouched. */
export interface ReleaseStatement {
  _type: typeof IN_TOTO_STATEMENT_V1;
  subject: Array<{ name?: string; digest: { sha256: string } & Record<string, string> }>;
  predicateType: typeof RELEASE_PREDICATE_TYPE;
  predicate: {
    app: string;
    version: string;
    /** Measurement name (`oci.imageDigest`, `simulated`, `snp`, …) → value. */
    measurements: Record<string, string>;
    [key: string]: unknown;
  };
}

/**
 * Checks that `value` is a BlindBox release statement: in-toto Statement v1, the release predicate
 * type, a subject with a SHA-256 digest, and the predicate fields clients rely on. Throws
 * `TRANSPARENCY_MALFORMED_BUNDLE` naming the first field that is wrong.
 */
export function assertReleaseStatement(value: unknown): ReleaseStatement {
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
  return value as ReleaseStatement;
}
