/** Stable codes of {@link TransparencyError}. Codes never change meaning; new ones may be added. */
export type TransparencyErrorCode =
  /** The bundle is not a well-formed Sigstore bundle v0.3 with a DSSE in-toto envelope. */
  | 'TRANSPARENCY_MALFORMED_BUNDLE'
  /** The same transparency-log entry appears twice in one bundle (sigstore-js does not reject it). */
  | 'TRANSPARENCY_DUPLICATE_TLOG_ENTRY'
  /** The signature over the DSSE envelope does not verify: the statement was altered. */
  | 'TRANSPARENCY_BAD_SIGNATURE'
  /** The signature is valid but made by an identity (key, SAN, issuer) other than the pinned one. */
  | 'TRANSPARENCY_WRONG_IDENTITY'
  /** The signing certificate does not chain to a CA in the pinned TrustedRoot. */
  | 'TRANSPARENCY_UNTRUSTED_CERTIFICATE'
  /** An RFC 3161 timestamp in the bundle does not verify against a timestamp authority the TrustedRoot pins. */
  | 'TRANSPARENCY_UNTRUSTED_TIMESTAMP'
  /** No entry of a pinned log covers this envelope (missing entry, entry for other content, no proof). */
  | 'TRANSPARENCY_NOT_IN_LOG'
  /** The Merkle inclusion proof does not lead to the checkpoint's root (RFC 9162 §2.1.3.2). */
  | 'TRANSPARENCY_BAD_INCLUSION_PROOF'
  /** A checkpoint or entry timestamp is signed by a key that is not a pinned log key. */
  | 'TRANSPARENCY_UNTRUSTED_LOG_KEY'
  /** Two checkpoints of one log are not consistent (RFC 9162 §2.1.4.2): the log forked or rewrote history. */
  | 'TRANSPARENCY_LOG_FORK'
  /** Consistency could not be checked (no proof source, log unreachable): fails closed. */
  | 'TRANSPARENCY_CONSISTENCY_UNAVAILABLE'
  /** The pinned identity is unusable: an invalid SAN pattern, a public key that does not parse. */
  | 'TRANSPARENCY_BAD_POLICY'
  /** The TrustedRoot JSON given to the verifier is unusable. */
  | 'TRANSPARENCY_BAD_TRUSTED_ROOT'
  /** A key file could not be written or read, or holds the wrong kind of key. */
  | 'TRANSPARENCY_KEY_FILE'
  /** Signing failed (signer, Fulcio, witness). */
  | 'TRANSPARENCY_SIGNING_FAILED';

/**
 * The error of signing and verifying releases (`TRANSPARENCY_*`). Verification errors fail closed.
 * What a log answers or refuses is a `LogError` (`LOG_*`).
 */
export class TransparencyError extends Error {
  override readonly name = 'TransparencyError';
  readonly code: TransparencyErrorCode;

  constructor(code: TransparencyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
