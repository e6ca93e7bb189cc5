import { fail } from './fail.js';

/** Who must have signed a release (what a verifier pins). */
export type ReleaseIdentity =
  /** A key-file signer: the SPKI PEM of its public key (`<key>.pub` from `blindbox keys generate`). */
  | { kind: 'key'; publicKey: string }
  /**
   * A keyless (Fulcio) signer. `san` is a regular expression that must match the certificate's whole
   * subject alternative name: it is anchored as `^(?:san)$` (sigstore-js alone matches unanchored, so
   * `acme/app` would accept `evil/acme/app-fork`). Escape literal dots with {@link exactSan} when you
   * mean one exact value. `issuer` is compared exactly (e.g. `https://token.actions.githubusercontent.com`).
   */
  | { kind: 'keyless'; san: string; issuer: string };

/** `^(?:san)$`: the pinned SAN pattern, matched against the whole SAN. */
export function compileSanPattern(san: string): RegExp {
  try {
    // the pattern must stand alone: "x)|(?:.*" would compile only once wrapped, and unanchored
    new RegExp(san);
    return new RegExp(`^(?:${san})$`);
  } catch (cause) {
    return fail(
      'TRANSPARENCY_BAD_POLICY',
      `the pinned SAN pattern is not a valid regular expression: ${san}`,
      cause,
    );
  }
}

/** Escapes a literal SAN (an e-mail, a workflow URL) so that it matches only itself. */
export function exactSan(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
