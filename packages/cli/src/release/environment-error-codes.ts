/**
 * Transparency error codes that say "cannot check" (environment: bad pin, log unreachable or
 * unable to prove consistency) rather than "no": exit 2, not 1.
 */
export const ENVIRONMENT_CODES: ReadonlySet<string> = new Set([
  'TRANSPARENCY_BAD_POLICY',
  'TRANSPARENCY_BAD_TRUSTED_ROOT',
  'TRANSPARENCY_CONSISTENCY_UNAVAILABLE',
  'LOG_NOT_FOUND',
]);
