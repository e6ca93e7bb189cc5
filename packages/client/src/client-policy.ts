/** A release as a generated client pins it: measurements per platform (hex), keyed as in the release statement. */
export interface PinnedRelease {
  app?: string;
  version?: string;
  imageDigest?: string;
  /** Platform name (`simulated`, `sev-snp`, `nitro`, …) → accepted measurement, lowercase hex. */
  measurements: Readonly<Record<string, string>>;
}

/** Accept only the listed releases (what a generated client carries by default). Several at once for rolling updates. */
export interface PinnedPolicy {
  kind: 'pinned';
  releases: readonly PinnedRelease[];
}

/** Who must have signed a release: a public key (PEM) or a keyless identity (anchored SAN pattern + exact OIDC issuer). */
export type ReleaseSigner =
  | { kind: 'key'; publicKey: string }
  | { kind: 'keyless'; san: string; issuer: string };

/**
 * Accept any measurement whose release statement is signed by the pinned signer and included in the
 * pinned log (the server offers its bundle in the attest envelope). Node only for now: it loads
 * `@blindbox/transparency` on demand.
 */
export interface SignedReleasePolicy {
  kind: 'signed-release';
  signer: ReleaseSigner;
  /** Sigstore TrustedRoot JSON naming the log (and CAs) to trust. */
  trustedRoot: unknown;
  /** Optional: only these app names are accepted. Default: the name the generated client was built for. */
  app?: string;
}

export type ClientPolicy = PinnedPolicy | SignedReleasePolicy;
