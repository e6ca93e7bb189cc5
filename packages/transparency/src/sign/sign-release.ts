import { sign as nodeSign } from 'node:crypto';
import { IN_TOTO_PAYLOAD_TYPE } from '@blindbox/protocol';
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import {
  CIContextProvider,
  DEFAULT_FULCIO_URL,
  DEFAULT_REKOR_URL,
  DSSEBundleBuilder,
  FulcioSigner,
  type IdentityProvider,
  RekorWitness,
  type Signer,
  TSAWitness,
  type Witness,
} from '@sigstore/sign';
import { TransparencyError } from '../transparency-error.js';
import { assertReleaseStatement } from '../verify/assert-release-statement.js';
import { type LoadedKey, loadKeyFile } from './key-file.js';

/** A Sigstore bundle (v0.3) in its JSON form, as written to `release.sigstore.json`. */
export type SigstoreBundleJson = SerializedBundle;

/**
 * The key that signs a release (what {@link signRelease} signs with). Not to be confused with the
 * identity a verifier pins (`ReleaseIdentity`, or `ReleaseSigner` in `@blindbox/client`): that is the
 * public half, or the certificate identity, of this key.
 */
export type ReleaseSigningKey =
  /** A local ECDSA P-256 key: a file from `blindbox keys generate`, or a key already loaded. */
  | { kind: 'key'; keyFile: string }
  | { kind: 'key'; key: LoadedKey }
  /**
   * Keyless: an ephemeral key certified by Fulcio for the CI's OIDC identity. The token comes from
   * `identityToken` when given, else from the environment (`SIGSTORE_ID_TOKEN`, or GitHub Actions'
   * id-token with `permissions: id-token: write`).
   */
  | {
      kind: 'keyless';
      /** Fulcio base URL. Default: `https://fulcio.sigstore.dev`. */
      fulcioUrl?: string;
      /** An OIDC identity token, or a function returning one. Default: read from the CI environment. */
      identityToken?: string | (() => Promise<string>);
    };

/** Options of {@link signRelease}. */
export interface SignReleaseOptions {
  signer: ReleaseSigningKey;
  /** The transparency log that witnesses the signature: the embedded log by URL, or public Rekor. */
  log: { url: string } | 'public-rekor';
  /** Optionally, an RFC 3161 timestamp authority (its base URL; `/api/v1/timestamp` is appended). */
  tsa?: { url: string };
  /** Per-request timeout towards Fulcio, the log and the TSA, in ms. Default: 30000. */
  timeoutMs?: number;
}

/**
 * Signs a release statement (in-toto Statement v1, predicate `https://blindbox.dev/release/v1`) as
 * a DSSE envelope, logs it, and returns the Sigstore bundle v0.3 (`@sigstore/sign`'s DSSEBundleBuilder
 * with a Rekor v1 witness, so the embedded log and public Rekor are used the same way).
 */
export async function signRelease(
  statement: object,
  options: SignReleaseOptions,
): Promise<SigstoreBundleJson> {
  assertReleaseStatement(statement);
  const timeout = options.timeoutMs ?? 30_000;
  const signer = await toSigner(options.signer, timeout);
  const rekorBaseURL =
    options.log === 'public-rekor' ? DEFAULT_REKOR_URL : options.log.url.replace(/\/+$/, '');
  const witnesses: Witness[] = [new RekorWitness({ rekorBaseURL, entryType: 'dsse', timeout, retry: 2 })];
  if (options.tsa)
    witnesses.push(new TSAWitness({ tsaBaseURL: options.tsa.url.replace(/\/+$/, ''), timeout, retry: 2 }));
  const builder = new DSSEBundleBuilder({ signer, witnesses });
  try {
    const bundle = await builder.create({
      data: Buffer.from(JSON.stringify(statement), 'utf8'),
      type: IN_TOTO_PAYLOAD_TYPE,
    });
    return bundleToJSON(bundle);
  } catch (cause) {
    // sigstore-js puts the OIDC token into some messages: report only the stable code and the cause's
    // own code/status, never the message text
    throw new TransparencyError(
      'TRANSPARENCY_SIGNING_FAILED',
      `signing or logging the release failed: ${describe(cause)}`,
      {
        cause: sanitized(cause),
      },
    );
  }
}

async function toSigner(signer: ReleaseSigningKey, timeout: number): Promise<Signer> {
  if (signer.kind === 'key') {
    const key = 'key' in signer ? signer.key : await loadKeyFile(signer.keyFile);
    return {
      async sign(data: Buffer) {
        return {
          signature: nodeSign('sha256', data, key.privateKey),
          key: { $case: 'publicKey', publicKey: key.publicKeyPem, hint: key.keyId },
        };
      },
    };
  }
  const token = signer.identityToken;
  const identityProvider: IdentityProvider =
    token === undefined
      ? new CIContextProvider('sigstore')
      : { getToken: typeof token === 'string' ? async () => token : token };
  return new FulcioSigner({
    fulcioBaseURL: signer.fulcioUrl ?? DEFAULT_FULCIO_URL,
    identityProvider,
    timeout,
    retry: 2,
  });
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown; statusCode?: unknown; message?: unknown } };
  const parts: string[] = [];
  if (typeof e?.code === 'string') parts.push(e.code);
  if (e?.cause && typeof e.cause.statusCode === 'number') parts.push(`HTTP ${e.cause.statusCode}`);
  if (e?.cause && typeof e.cause.code === 'string') parts.push(e.cause.code);
  if (e?.cause && typeof e.cause.message === 'string' && !/eyJ/.test(e.cause.message))
    parts.push(e.cause.message);
  return parts.length > 0 ? parts.join(': ') : 'unknown error';
}

function sanitized(err: unknown): unknown {
  const msg = (err as { message?: unknown })?.message;
  return typeof msg === 'string' && /eyJ/.test(msg) ? undefined : err;
}
