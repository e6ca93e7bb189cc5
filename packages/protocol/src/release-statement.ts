/**
 * The BlindBox release statement: an in-toto Statement v1 whose subject is the enclave image
 * manifest and whose predicate (`https://blindbox.dev/release/v1`) records the measurements a client
 * accepts (docs/design.md, "Measurements and releases"). `blindbox build` writes it, `blindbox publish`
 * signs it as a DSSE envelope, and verifiers read it back: this is its one definition.
 */

/** in-toto Statement v1 `_type` (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md). */
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

/** Predicate type of a BlindBox release statement. */
export const RELEASE_PREDICATE_TYPE = 'https://blindbox.dev/release/v1';

/** DSSE payload type of an in-toto statement (in-toto attestation spec, envelope layer). */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** A statement subject: the image manifest, named by the app, with its SHA-256 digest (hex, no prefix). */
export interface ReleaseSubject {
  name?: string;
  digest: { sha256: string } & Record<string, string>;
}

/** The predicate fields every reader relies on; verifiers check exactly these (the rest pass through). */
export interface ReleasePredicateCore {
  app: string;
  version: string;
  /** Measurement name (`oci.imageDigest`, `simulated`, `sev-snp`, `nitro`, …) → value. */
  measurements: Record<string, string>;
}

/** The predicate of a BlindBox release, as `blindbox build` writes it. */
export interface ReleasePredicate extends ReleasePredicateCore {
  /** `sha256:<hex>` of `app-manifest.json` (canonical JSON). */
  appManifestDigest: string;
  source: {
    /** The git remote `origin` (credentials removed), when the project is in a git work tree. */
    repository?: string;
    /** The git `HEAD` commit, when the project is in a git work tree with commits. */
    commit?: string;
    /** `sha256:<hex>` over the project's source files. */
    treeDigest: string;
  };
  builder: { name: string; version: string };
  sourceDateEpoch: number;
}

/**
 * An in-toto Statement v1 with the BlindBox release predicate. `Predicate` defaults to the full
 * predicate a build writes; a verifier that checked only the core fields types it as
 * `ReleaseStatement<ReleasePredicateCore & Record<string, unknown>>`.
 */
export interface ReleaseStatement<Predicate extends ReleasePredicateCore = ReleasePredicate> {
  _type: typeof IN_TOTO_STATEMENT_V1;
  subject: ReleaseSubject[];
  predicateType: typeof RELEASE_PREDICATE_TYPE;
  predicate: Predicate;
}
