import type { KeyObject } from 'node:crypto';
import type { TransparencyLogEntry } from '@sigstore/bundle';
import type { Signer } from '@sigstore/verify';
import { type CheckpointStore, type FetchConsistency, observeCheckpoint } from '../log/checkpoint-store.js';
import type { CheckedReleaseStatement } from './assert-release-statement.js';
import { type CheckedCheckpoint, checkLogEntry } from './check-log-entry.js';
import { type CheckedSigner, checkCertificateSigner, checkPinnedKeySigner } from './check-signer.js';
import { fail } from './fail.js';
import { parsePinnedKey } from './node-keys.js';
import {
  type ParsedReleaseBundle,
  parseReleaseBundle,
  refuseDuplicateEntries,
} from './parse-release-bundle.js';
import { type PinnedTLog, pinnedTLogs } from './pinned-logs.js';
import { preAuthEncoding } from './pre-auth-encoding.js';
import { compileSanPattern, type ReleaseIdentity } from './release-identity.js';
import { verifyWithSigstore } from './verify-with-sigstore.js';

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
  statement: CheckedReleaseStatement;
  /** Index of the release's entry in the (first) log. */
  logIndex: number;
  /** When the log integrated the entry. */
  integratedTime: Date;
  /** Who signed: `key:<hex key ID>` or the certificate's SAN. */
  signer: string;
  /** The log's origin (checkpoint name) and hex log ID. */
  log: { origin: string; logId: string };
}

/** One log entry that passed every check, with the pinned log it belongs to. */
interface CheckedEntry extends CheckedCheckpoint {
  log: PinnedTLog;
  entry: TransparencyLogEntry;
}

/**
 * Verifies a signed release bundle offline against a pinned TrustedRoot, in named steps:
 *
 * 1. the pinned identity (a caller's mistake is not a verdict on the bundle), then the bundle's shape;
 * 2. the DSSE signature and the signer identity;
 * 3. each log entry: body, signed entry timestamp, signed checkpoint, RFC 9162 inclusion proof;
 * 4. the whole bundle once more with sigstore-js's own `Verifier`;
 * 5. keyless: the SAN (anchored) and the OIDC issuer (exact);
 * 6. with a checkpoint store: the log has not forked.
 *
 * Throws {@link TransparencyError}, each check with its own code; never returns a partial answer.
 */
export async function verifyReleaseBundle(
  bundle: unknown,
  options: VerifyReleaseOptions,
): Promise<VerifiedRelease> {
  const at = options.at ?? new Date();
  const identity = options.identity;
  const sanPattern = identity.kind === 'keyless' ? compileSanPattern(identity.san) : undefined;
  const pinnedKey = identity.kind === 'key' ? parsePinnedKey(identity.publicKey) : undefined;
  const parsed = parseReleaseBundle(bundle);
  const tlogs = pinnedTLogs(options.trustedRoot);
  refuseDuplicateEntries(parsed.entries);

  const signer = checkSigner(parsed, pinnedKey);
  const checked = checkLogEntries(parsed, tlogs, signer.key, at);
  const verified = verifyWithSigstore(parsed.bundle, options, signer.key);
  if (identity.kind === 'keyless')
    checkKeylessIdentity(signer.name, sanPattern as RegExp, identity, verified);
  if (options.checkpoints) await observeCheckpoints(options.checkpoints, checked, options.fetchConsistency);

  const first = checked[0] as CheckedEntry;
  return {
    statement: parsed.statement,
    logIndex: Number(first.entry.logIndex),
    integratedTime: new Date(Number(first.entry.integratedTime) * 1000),
    signer: signer.name,
    log: { origin: first.log.origin, logId: first.log.logId.toString('hex') },
  };
}

/** Step 2: the DSSE signature (over the pre-authentication encoding) and who made it. */
function checkSigner(parsed: ParsedReleaseBundle, pinnedKey: KeyObject | undefined): CheckedSigner {
  const envelope = parsed.bundle.content.dsseEnvelope;
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  return pinnedKey
    ? checkPinnedKeySigner(parsed.bundle, pinnedKey, pae, parsed.signature, parsed.entries)
    : checkCertificateSigner(parsed.bundle, pae, parsed.signature);
}

/** Step 3: at least one entry, every entry from a pinned log, each with a verified checkpoint and inclusion proof. */
function checkLogEntries(
  parsed: ParsedReleaseBundle,
  tlogs: readonly PinnedTLog[],
  signerKey: KeyObject,
  at: Date,
): CheckedEntry[] {
  if (parsed.entries.length === 0)
    fail('TRANSPARENCY_NOT_IN_LOG', 'the bundle carries no transparency-log entry');
  const payload = parsed.bundle.content.dsseEnvelope.payload;
  return parsed.entries.map((entry) => {
    const log = tlogs.find((t) => t.logId.equals(entry.logId.keyId));
    if (!log)
      fail(
        'TRANSPARENCY_UNTRUSTED_LOG_KEY',
        `log entry ${entry.logIndex} is from log ${entry.logId.keyId.toString('hex')}, which the TrustedRoot does not pin`,
      );
    const pinned = log as PinnedTLog;
    return { log: pinned, entry, ...checkLogEntry(entry, pinned, payload, parsed.signature, signerKey, at) };
  });
}

/** Step 5: the keyless identity, anchored, re-checked here whatever sigstore-js decided. */
function checkKeylessIdentity(
  san: string,
  sanPattern: RegExp,
  identity: Extract<ReleaseIdentity, { kind: 'keyless' }>,
  verified: Signer,
): void {
  if (!sanPattern.test(san)) {
    fail(
      'TRANSPARENCY_WRONG_IDENTITY',
      `the certificate's SAN ${JSON.stringify(san)} does not match the pinned pattern as a whole`,
    );
  }
  const issuer = verified.identity?.extensions?.issuer;
  if (issuer !== identity.issuer) {
    fail(
      'TRANSPARENCY_WRONG_IDENTITY',
      `the certificate's OIDC issuer ${JSON.stringify(issuer)} is not ${JSON.stringify(identity.issuer)}`,
    );
  }
}

/** Step 6: fork detection, every checkpoint seen is consistent with the last one remembered. */
async function observeCheckpoints(
  store: CheckpointStore,
  checked: readonly CheckedEntry[],
  fetchConsistency: FetchConsistency | undefined,
): Promise<void> {
  for (const c of checked) {
    await observeCheckpoint(
      store,
      { origin: c.log.origin, logId: c.log.logId.toString('hex') },
      c.checkpoint,
      c.note,
      fetchConsistency,
    );
  }
}
