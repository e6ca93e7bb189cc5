import { createPublicKey, type KeyObject, verify as nodeVerify } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  assertBundleLatest,
  type BundleLatest,
  bundleFromJSON,
  type TransparencyLogEntry,
} from '@sigstore/bundle';
import { json, X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  PolicyError,
  type Signer,
  type TrustMaterial,
  toSignedEntity,
  toTrustMaterial,
  VerificationError,
  Verifier,
} from '@sigstore/verify';
import { type CheckpointStore, type FetchConsistency, observeCheckpoint } from './checkpoint-store.js';
import { keyIdOf } from './key-file.js';
import { bytesEqual, hashLeaf, toHex } from './merkle-hash.js';
import { preAuthEncoding } from './rekor-entry.js';
import { assertReleaseStatement, IN_TOTO_PAYLOAD_TYPE, type ReleaseStatement } from './release-statement.js';
import { type Checkpoint, parseCheckpoint, parseSignedNote, verifySignedNote } from './signed-note.js';
import { TransparencyError, type TransparencyErrorCode } from './transparency-error.js';
import { verifyInclusionProof } from './verify-inclusion-proof.js';

/** Who must have signed a release. */
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

/** Options of {@link verifyReleaseBundle}. */
export interface VerifyReleaseOptions {
  /** A pinned Sigstore TrustedRoot JSON (from `blindbox log trusted-root`, or Sigstore's public-good root). */
  trustedRoot: unknown;
  identity: ReleaseIdentity;
  /** Remembers each log's last checkpoint and rejects a log that forks. Default: none (no fork detection). */
  checkpoints?: CheckpointStore;
  /** Where consistency proofs come from when the store meets a checkpoint of another size. Default: none (fails closed then). */
  fetchConsistency?: FetchConsistency;
  /** The verification time: entries integrated after it are rejected. Default: now. */
  at?: Date;
  /**
   * Keyless only: accept a certificate without a Signed Certificate Timestamp from a CT log of the
   * TrustedRoot. Default: false. Needed only with a private Fulcio whose TrustedRoot lists no CT log.
   */
  insecureSkipCertificateTransparency?: boolean;
}

/** A release whose bundle verified. */
export interface VerifiedRelease {
  statement: ReleaseStatement;
  /** Index of the release's entry in the (first) log. */
  logIndex: number;
  /** When the log integrated the entry. */
  integratedTime: Date;
  /** Who signed: `key:<hex key ID>` or the certificate's SAN. */
  signer: string;
  /** The log's origin (checkpoint name) and hex log ID. */
  log: { origin: string; logId: string };
}

interface PinnedTLog {
  origin: string;
  logId: Buffer;
  spki: Buffer;
  key: KeyObject;
}

const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** sigstore-js's verification error codes, as ours. */
const SIGSTORE_ERROR_CODES: Partial<Record<VerificationError['code'], TransparencyErrorCode>> = {
  SIGNATURE_ERROR: 'TRANSPARENCY_BAD_SIGNATURE',
  TIMESTAMP_ERROR: 'TRANSPARENCY_UNTRUSTED_TIMESTAMP',
  CERTIFICATE_ERROR: 'TRANSPARENCY_UNTRUSTED_CERTIFICATE',
  PUBLIC_KEY_ERROR: 'TRANSPARENCY_WRONG_IDENTITY',
  TLOG_INCLUSION_PROOF_ERROR: 'TRANSPARENCY_BAD_INCLUSION_PROOF',
  TLOG_INCLUSION_PROMISE_ERROR: 'TRANSPARENCY_UNTRUSTED_LOG_KEY',
  TLOG_BODY_ERROR: 'TRANSPARENCY_NOT_IN_LOG',
  TLOG_MISSING_INCLUSION_ERROR: 'TRANSPARENCY_NOT_IN_LOG',
  TLOG_ERROR: 'TRANSPARENCY_NOT_IN_LOG',
};

/**
 * Verifies a signed release bundle offline against a pinned TrustedRoot: the DSSE signature, the
 * signer identity, each log entry's body, signed entry timestamp, signed checkpoint and RFC 9162
 * inclusion proof (our checks, each with its own error code), then the whole bundle once more with
 * sigstore-js's own `Verifier`. With a checkpoint store, also checks that the log has not forked.
 * Throws {@link TransparencyError}; never returns a partial answer.
 */
export async function verifyReleaseBundle(
  bundle: unknown,
  options: VerifyReleaseOptions,
): Promise<VerifiedRelease> {
  const at = options.at ?? new Date();
  // the policy first: a caller's mistake is not a verdict on the bundle
  const sanPattern =
    options.identity.kind === 'keyless' ? compileSanPattern(options.identity.san) : undefined;
  const pinnedKey = options.identity.kind === 'key' ? parsePem(options.identity.publicKey) : undefined;
  const parsed = parseBundle(bundle);
  const envelope = parsed.content.dsseEnvelope;
  const statement = decodeStatement(envelope.payload);
  const tlogs = pinnedTLogs(options.trustedRoot);
  const signature = envelope.signatures[0]?.sig as Buffer;
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  // assertBundleLatest checked that every entry has a logId and a kindVersion
  const entries = parsed.verificationMaterial.tlogEntries as TransparencyLogEntry[];

  // duplicates would let one log entry count twice towards a threshold (sigstore-js 3.x accepts them)
  const seen = new Set<string>();
  for (const e of entries) {
    const id = `${e.logId.keyId.toString('hex')}/${e.logIndex}/${e.canonicalizedBody.toString('base64')}`;
    if (seen.has(id))
      fail('TRANSPARENCY_DUPLICATE_TLOG_ENTRY', `the bundle lists log entry ${e.logIndex} twice`);
    seen.add(id);
  }

  // 1. signature and identity
  const material = parsed.verificationMaterial.content;
  let signerKey: KeyObject;
  let signerName: string;
  if (options.identity.kind === 'key') {
    if (material.$case !== 'publicKey') {
      fail(
        'TRANSPARENCY_WRONG_IDENTITY',
        'the release is signed with a certificate (keyless), but a public key is pinned',
      );
    }
    signerKey = pinnedKey as KeyObject;
    signerName = `key:${keyIdOf(signerKey)}`;
    if (!safeVerify(pae, signerKey, signature)) {
      // tell "someone else signed this" from "this was altered": does the key the log recorded verify it?
      const other = entries.flatMap((e) => logBodyVerifiers(e)).find((k) => safeVerify(pae, k, signature));
      if (other && keyIdOf(other) !== keyIdOf(signerKey)) {
        fail(
          'TRANSPARENCY_WRONG_IDENTITY',
          `the release is signed by key ${keyIdOf(other)}, not by the pinned key ${keyIdOf(signerKey)}`,
        );
      }
      fail(
        'TRANSPARENCY_BAD_SIGNATURE',
        'the DSSE signature does not verify with the pinned key: the statement or envelope was altered',
      );
    }
  } else {
    const certBytes =
      material.$case === 'certificate'
        ? material.certificate.rawBytes
        : material.$case === 'x509CertificateChain'
          ? material.x509CertificateChain.certificates[0]?.rawBytes
          : undefined;
    if (!certBytes)
      fail(
        'TRANSPARENCY_WRONG_IDENTITY',
        'the release is signed with a bare key, but a keyless identity is pinned',
      );
    let cert: X509Certificate;
    try {
      cert = X509Certificate.parse(Buffer.from(certBytes as Uint8Array));
      signerKey = createPublicKey({ key: cert.publicKey, format: 'der', type: 'spki' });
    } catch (cause) {
      return fail('TRANSPARENCY_MALFORMED_BUNDLE', 'the signing certificate does not parse', cause);
    }
    signerName = cert.subjectAltName ?? '';
    if (!safeVerify(pae, signerKey, signature)) {
      fail(
        'TRANSPARENCY_BAD_SIGNATURE',
        "the DSSE signature does not verify with the certificate's key: the statement or envelope was altered",
      );
    }
  }

  // 2. the logs: at least one entry of a pinned log, each with a verified checkpoint and inclusion proof
  if (entries.length === 0) fail('TRANSPARENCY_NOT_IN_LOG', 'the bundle carries no transparency-log entry');
  const checked: Array<{
    log: PinnedTLog;
    entry: TransparencyLogEntry;
    checkpoint: Checkpoint;
    note: string;
  }> = [];
  for (const entry of entries) {
    const log = tlogs.find((t) => t.logId.equals(entry.logId.keyId));
    if (!log)
      fail(
        'TRANSPARENCY_UNTRUSTED_LOG_KEY',
        `log entry ${entry.logIndex} is from log ${entry.logId.keyId.toString('hex')}, which the TrustedRoot does not pin`,
      );
    checked.push({
      log: log as PinnedTLog,
      entry,
      ...checkEntry(entry, log as PinnedTLog, envelope.payload, signature, signerKey, at),
    });
  }

  // 3. sigstore-js's own verification over the same material (defence in depth, and its TSA/CT checks)
  const verified = sigstoreVerify(parsed, options, signerKey);

  // 4. keyless identity, anchored: re-checked here whatever sigstore-js decided
  if (options.identity.kind === 'keyless') {
    if (!(sanPattern as RegExp).test(signerName)) {
      fail(
        'TRANSPARENCY_WRONG_IDENTITY',
        `the certificate's SAN ${JSON.stringify(signerName)} does not match the pinned pattern as a whole`,
      );
    }
    const issuer = verified.identity?.extensions?.issuer;
    if (issuer !== options.identity.issuer) {
      fail(
        'TRANSPARENCY_WRONG_IDENTITY',
        `the certificate's OIDC issuer ${JSON.stringify(issuer)} is not ${JSON.stringify(options.identity.issuer)}`,
      );
    }
  }

  // 5. fork detection: every checkpoint seen is consistent with the last one remembered
  if (options.checkpoints) {
    for (const c of checked) {
      await observeCheckpoint(
        options.checkpoints,
        { origin: c.log.origin, logId: c.log.logId.toString('hex') },
        c.checkpoint,
        c.note,
        options.fetchConsistency,
      );
    }
  }

  const first = checked[0] as (typeof checked)[number];
  return {
    statement,
    logIndex: Number(first.entry.logIndex),
    integratedTime: new Date(Number(first.entry.integratedTime) * 1000),
    signer: signerName,
    log: { origin: first.log.origin, logId: first.log.logId.toString('hex') },
  };
}

/** `^(?:san)$`: the pinned SAN pattern, matched against the whole SAN. */
function compileSanPattern(san: string): RegExp {
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

function checkEntry(
  entry: TransparencyLogEntry,
  log: PinnedTLog,
  payload: Buffer,
  signature: Buffer,
  signerKey: KeyObject,
  at: Date,
): { checkpoint: Checkpoint; note: string } {
  const index = Number(entry.logIndex);
  // the logged body must describe this very envelope (Rekor dsse 0.0.1 canonical form)
  const body = parseLoggedBody(entry);
  const spec = body.spec as
    | { payloadHash?: { value?: unknown }; signatures?: Array<{ signature?: unknown }> }
    | undefined;
  if (
    body.kind !== 'dsse' ||
    body.apiVersion !== '0.0.1' ||
    spec?.payloadHash?.value !== toHex(sha256(payload)) ||
    spec.signatures?.length !== 1 ||
    spec.signatures[0]?.signature !== signature.toString('base64')
  ) {
    fail('TRANSPARENCY_NOT_IN_LOG', `log entry ${index} records other content than this envelope`);
  }
  // the entry must name the signer as its verifier: an entry logged under another key (e.g. the second
  // key ECDSA public-key recovery yields for the same signature) would be invisible to a monitor
  // watching the signer's key, and a release nobody can find in the log is not transparent
  const logged = logBodyVerifiers(entry);
  if (logged.length !== 1 || keyIdOf(logged[0] as KeyObject) !== keyIdOf(signerKey)) {
    fail(
      'TRANSPARENCY_NOT_IN_LOG',
      `log entry ${index} names another verifier than the signer of this envelope`,
    );
  }
  if (entry.kindVersion.kind !== body.kind || entry.kindVersion.version !== body.apiVersion) {
    fail('TRANSPARENCY_MALFORMED_BUNDLE', `log entry ${index}: kindVersion disagrees with the logged body`);
  }
  if (Number(entry.integratedTime) * 1000 > at.getTime() + 5 * 60_000) {
    fail('TRANSPARENCY_NOT_IN_LOG', `log entry ${index} claims to be integrated in the future`);
  }
  // the signed entry timestamp is what makes integratedTime (checked against `at`, returned to the
  // caller) the log's word rather than the bundle's: required, and the log's
  if (!entry.inclusionPromise) {
    fail(
      'TRANSPARENCY_UNTRUSTED_LOG_KEY',
      `log entry ${index} carries no signed entry timestamp: its integration time is not the log's`,
    );
  }
  {
    const payloadJson = {
      body: entry.canonicalizedBody.toString('base64'),
      integratedTime: Number(entry.integratedTime),
      logIndex: index,
      logID: entry.logId.keyId.toString('hex'),
    };
    if (
      !safeVerify(
        Buffer.from(json.canonicalize(payloadJson), 'utf8'),
        log.key,
        (entry.inclusionPromise as NonNullable<typeof entry.inclusionPromise>).signedEntryTimestamp,
      )
    ) {
      fail(
        'TRANSPARENCY_UNTRUSTED_LOG_KEY',
        `the signed entry timestamp of log entry ${index} is not signed by the pinned log key`,
      );
    }
  }
  // a promise is not a proof: require the inclusion proof and its signed checkpoint
  const proof = entry.inclusionProof;
  if (!proof?.checkpoint?.envelope) {
    fail(
      'TRANSPARENCY_NOT_IN_LOG',
      `log entry ${index} carries no inclusion proof with a checkpoint, only a promise`,
    );
  }
  const p = proof as NonNullable<typeof proof>;
  let note: ReturnType<typeof parseSignedNote>;
  let checkpoint: Checkpoint;
  try {
    note = parseSignedNote(p.checkpoint?.envelope as string);
    checkpoint = parseCheckpoint(note.text);
  } catch (cause) {
    return fail('TRANSPARENCY_MALFORMED_BUNDLE', `log entry ${index}: the checkpoint is malformed`, cause);
  }
  // C2SP signed-note: the signer name must be the pinned log's (exactly, not as a RegExp) and the
  // signature the pinned key's. The origin line is that name, or Rekor v1's "<name> - <tree ID>".
  if (
    (checkpoint.origin !== log.origin && !/^ - \d+$/.test(checkpoint.origin.slice(log.origin.length))) ||
    !checkpoint.origin.startsWith(log.origin) ||
    !verifySignedNote(note, { name: log.origin, ecdsaSpki: log.spki })
  ) {
    fail(
      'TRANSPARENCY_UNTRUSTED_LOG_KEY',
      `the checkpoint of log entry ${index} is not signed by the pinned key of ${log.origin}`,
    );
  }
  // RFC 9162 §2.1.3.2 against the signed root; the proof's own size and root must be the checkpoint's
  if (Number(p.treeSize) !== checkpoint.size || !bytesEqual(p.rootHash, checkpoint.rootHash)) {
    fail(
      'TRANSPARENCY_BAD_INCLUSION_PROOF',
      `the inclusion proof of log entry ${index} is for another tree than its checkpoint`,
    );
  }
  if (Number(p.logIndex) !== index) {
    fail(
      'TRANSPARENCY_BAD_INCLUSION_PROOF',
      `the inclusion proof is for leaf ${p.logIndex}, the entry is ${index}`,
    );
  }
  if (
    !verifyInclusionProof(
      index,
      checkpoint.size,
      hashLeaf(entry.canonicalizedBody),
      p.hashes,
      checkpoint.rootHash,
    )
  ) {
    fail(
      'TRANSPARENCY_BAD_INCLUSION_PROOF',
      `the inclusion proof of log entry ${index} does not lead to the checkpoint's root`,
    );
  }
  return { checkpoint, note: p.checkpoint?.envelope as string };
}

function sigstoreVerify(parsed: BundleLatest, options: VerifyReleaseOptions, signerKey: KeyObject): Signer {
  let trust: TrustMaterial;
  try {
    const pinned = signerKey;
    trust = toTrustMaterial(TrustedRoot.fromJSON(options.trustedRoot), () => ({
      publicKey: pinned,
      validFor: () => true,
    }));
  } catch (cause) {
    fail('TRANSPARENCY_BAD_TRUSTED_ROOT', 'the TrustedRoot JSON is not usable', cause);
  }
  const keyless = options.identity.kind === 'keyless';
  const verifier = new Verifier(trust, {
    tlogThreshold: 1,
    ctlogThreshold: keyless && !options.insecureSkipCertificateTransparency ? 1 : 0,
    timestampThreshold: 1,
  });
  const policy =
    options.identity.kind === 'keyless'
      ? {
          subjectAlternativeName: `^(?:${options.identity.san})$`,
          extensions: { issuer: options.identity.issuer },
        }
      : undefined;
  try {
    return verifier.verify(toSignedEntity(parsed), policy);
  } catch (err) {
    if (err instanceof PolicyError)
      fail(
        'TRANSPARENCY_WRONG_IDENTITY',
        `the signer does not match the pinned identity: ${err.message}`,
        err,
      );
    if (err instanceof VerificationError) {
      const code = SIGSTORE_ERROR_CODES[err.code] ?? 'TRANSPARENCY_MALFORMED_BUNDLE';
      fail(code, `sigstore-js rejected the bundle (${err.code}): ${err.message}`, err);
    }
    // anything else (its ASN.1 parser on a garbage timestamp, …) is still a verdict on the bundle
    fail(
      'TRANSPARENCY_MALFORMED_BUNDLE',
      `sigstore-js could not read the bundle: ${(err as Error)?.message}`,
      err,
    );
  }
}

type DsseBundle = BundleLatest & { content: Extract<BundleLatest['content'], { $case: 'dsseEnvelope' }> };

function parseBundle(bundle: unknown): DsseBundle {
  // v0.3 requires entries with inclusion proofs; say "not in the log" rather than "malformed" when absent
  const raw = bundle as {
    verificationMaterial?: { tlogEntries?: Array<{ inclusionProof?: unknown }> };
  } | null;
  const rawEntries = raw?.verificationMaterial?.tlogEntries;
  if (
    typeof raw === 'object' &&
    raw !== null &&
    raw.verificationMaterial &&
    (!Array.isArray(rawEntries) || rawEntries.length === 0)
  ) {
    fail('TRANSPARENCY_NOT_IN_LOG', 'the bundle carries no transparency-log entry');
  }
  if (Array.isArray(rawEntries) && rawEntries.some((e) => !e?.inclusionProof)) {
    fail('TRANSPARENCY_NOT_IN_LOG', 'a log entry carries no inclusion proof, only a promise');
  }
  let parsed: BundleLatest;
  try {
    const b = bundleFromJSON(bundle);
    assertBundleLatest(b);
    parsed = b;
  } catch (cause) {
    return fail(
      'TRANSPARENCY_MALFORMED_BUNDLE',
      `not a Sigstore bundle v0.3: ${(cause as Error).message}`,
      cause,
    );
  }
  if (parsed.mediaType !== BUNDLE_V03)
    fail('TRANSPARENCY_MALFORMED_BUNDLE', `expected a ${BUNDLE_V03} bundle, found ${parsed.mediaType}`);
  if (parsed.content.$case !== 'dsseEnvelope')
    fail('TRANSPARENCY_MALFORMED_BUNDLE', 'expected a DSSE envelope, found a message signature');
  const env = (parsed as DsseBundle).content.dsseEnvelope;
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    fail(
      'TRANSPARENCY_MALFORMED_BUNDLE',
      `expected payloadType ${IN_TOTO_PAYLOAD_TYPE}, found ${env.payloadType}`,
    );
  if (env.signatures.length !== 1)
    fail(
      'TRANSPARENCY_MALFORMED_BUNDLE',
      `expected exactly one DSSE signature, found ${env.signatures.length}`,
    );
  return parsed as DsseBundle;
}

function decodeStatement(payload: Buffer): ReleaseStatement {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (cause) {
    return fail('TRANSPARENCY_MALFORMED_BUNDLE', 'the DSSE payload is not JSON', cause);
  }
  return assertReleaseStatement(value);
}

function pinnedTLogs(trustedRoot: unknown): PinnedTLog[] {
  try {
    const root = TrustedRoot.fromJSON(trustedRoot);
    return root.tlogs.flatMap((t) => {
      const raw = t.publicKey?.rawBytes;
      const id = t.checkpointKeyId?.keyId ?? t.logId?.keyId;
      if (!raw || !id) return [];
      return [
        {
          origin: t.baseUrl.replace(/^[a-z]+:\/\//, ''),
          logId: Buffer.from(id),
          spki: Buffer.from(raw),
          key: createPublicKey({ key: Buffer.from(raw), format: 'der', type: 'spki' }),
        },
      ];
    });
  } catch (cause) {
    return fail('TRANSPARENCY_BAD_TRUSTED_ROOT', 'the TrustedRoot JSON is not usable', cause);
  }
}

function parseLoggedBody(entry: TransparencyLogEntry): {
  kind?: unknown;
  apiVersion?: unknown;
  spec?: unknown;
} {
  try {
    // `null` parses too: an object is what the checks below read
    return (JSON.parse(entry.canonicalizedBody.toString('utf8')) ?? {}) as {
      kind?: unknown;
      apiVersion?: unknown;
      spec?: unknown;
    };
  } catch (cause) {
    return fail(
      'TRANSPARENCY_MALFORMED_BUNDLE',
      `log entry ${entry.logIndex}: the canonicalized body is not JSON`,
      cause,
    );
  }
}

/** The keys a logged dsse body names as verifiers (PEM public keys, or certificates' keys). */
function logBodyVerifiers(entry: TransparencyLogEntry): KeyObject[] {
  try {
    const body = JSON.parse(entry.canonicalizedBody.toString('utf8')) as {
      spec?: { signatures?: Array<{ verifier?: string }> };
    };
    return (body.spec?.signatures ?? []).flatMap((s) => {
      try {
        if (!s.verifier) return [];
        const pem = Buffer.from(s.verifier, 'base64').toString('utf8');
        if (!pem.includes('BEGIN CERTIFICATE')) return [createPublicKey(pem)];
        return [createPublicKey({ key: X509Certificate.parse(pem).publicKey, format: 'der', type: 'spki' })];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

function parsePem(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (cause) {
    return fail('TRANSPARENCY_BAD_POLICY', 'the pinned public key is not a PEM public key', cause);
  }
}

function safeVerify(data: Buffer, key: KeyObject, sig: Buffer): boolean {
  try {
    return nodeVerify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key, sig);
  } catch {
    return false;
  }
}

function fail(code: TransparencyErrorCode, message: string, cause?: unknown): never {
  throw new TransparencyError(code, message, cause === undefined ? undefined : { cause });
}
