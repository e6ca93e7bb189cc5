import type { CheckpointStore, ReleaseIdentity } from '@blindbox/transparency';

/**
 * A release as a generated client pins it: the values a server must match, keyed as in the release
 * statement (`RELEASE_VALUES` of `@blindbox/protocol`): per platform its launch measurement
 * (`sev-snp`, `tdx`, `nitro`, `simulated`) and the platform's other values (`snp.hostData`, …).
 */
export interface PinnedRelease {
  app?: string;
  version?: string;
  imageDigest?: string;
  /** Release key → value; every key of the evidence's platform must match. */
  measurements: Readonly<Record<string, string>>;
}

/** Accept only the listed releases (what a generated client carries by default). Several at once for rolling updates. */
export interface PinnedPolicy {
  kind: 'pinned';
  releases: readonly PinnedRelease[];
  /** Accept only evidence from these chips (SEV-SNP CHIP_ID, TDX PPID; hex). Default: any chip. */
  allowedChipIds?: readonly string[];
}

/**
 * Who must have signed a release: a public key (PEM) or a keyless identity (anchored SAN pattern +
 * exact OIDC issuer). The identity `verifyReleaseBundle` checks (`ReleaseIdentity` of
 * `@blindbox/transparency`), not the key that signs (`ReleaseSigningKey` there).
 */
export type ReleaseSigner = ReleaseIdentity;

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
  /** Only releases of this app are accepted. Default: any app the signer released. */
  app?: string;
  /**
   * The log's URL, to fetch RFC 9162 consistency proofs when a newer checkpoint appears (a rolling
   * update). Without it, a checkpoint of another size than the last one seen fails closed.
   */
  logUrl?: string;
  /**
   * Remembers the last checkpoint seen per log, so that a log that forks is detected. Default: one
   * in-memory store shared by every connection of this process. Pass a `FileCheckpointStore` to
   * remember across runs.
   */
  checkpoints?: CheckpointStore;
  /** Accept only evidence from these chips (SEV-SNP CHIP_ID, TDX PPID; hex). Default: any chip. */
  allowedChipIds?: readonly string[];
}

export type ClientPolicy = PinnedPolicy | SignedReleasePolicy;
