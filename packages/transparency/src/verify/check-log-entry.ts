import type { KeyObject } from 'node:crypto';
import { equalBytes, hexEncode } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import type { TransparencyLogEntry } from '@sigstore/bundle';
import { json } from '@sigstore/core';
import { hashLeaf } from '../log/merkle-hash.js';
import { type Checkpoint, parseCheckpoint, parseSignedNote, verifySignedNote } from '../log/signed-note.js';
import { verifyInclusionProof } from '../log/verify-inclusion-proof.js';
import { keyIdOf } from '../sign/key-file.js';
import { fail } from './fail.js';
import { logBodyVerifiers, safeVerify } from './node-keys.js';
import type { PinnedTLog } from './pinned-logs.js';

/** How far in the future a log's integration time may lie (clock skew between log and verifier). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** What one checked entry contributes to fork detection: its verified checkpoint and signed note. */
export interface CheckedCheckpoint {
  checkpoint: Checkpoint;
  note: string;
}

type InclusionProof = NonNullable<TransparencyLogEntry['inclusionProof']>;

/**
 * Checks one log entry of a pinned log, step by step: the logged body is this envelope, signed by
 * this signer; the signed entry timestamp is the log's; the checkpoint is signed by the pinned log
 * key; the RFC 9162 inclusion proof leads from the entry to the checkpoint's root.
 */
export function checkLogEntry(
  entry: TransparencyLogEntry,
  log: PinnedTLog,
  payload: Buffer,
  signature: Buffer,
  signerKey: KeyObject,
  at: Date,
): CheckedCheckpoint {
  const index = Number(entry.logIndex);
  checkLoggedBody(entry, index, payload, signature, signerKey);
  checkIntegrationTime(entry, index, at);
  checkSignedEntryTimestamp(entry, index, log);
  const proof = requireInclusionProof(entry, index);
  const { checkpoint, note } = readCheckpoint(proof, index);
  checkCheckpointSigner(checkpoint, note, index, log);
  checkInclusionProof(entry, index, proof, checkpoint);
  return { checkpoint, note: proof.checkpoint?.envelope as string };
}

/** The logged body must describe this very envelope (Rekor dsse 0.0.1 canonical form), verified by its signer. */
function checkLoggedBody(
  entry: TransparencyLogEntry,
  index: number,
  payload: Buffer,
  signature: Buffer,
  signerKey: KeyObject,
): void {
  const body = parseLoggedBody(entry);
  const spec = body.spec as
    | { payloadHash?: { value?: unknown }; signatures?: Array<{ signature?: unknown }> }
    | undefined;
  if (
    body.kind !== 'dsse' ||
    body.apiVersion !== '0.0.1' ||
    spec?.payloadHash?.value !== hexEncode(sha256(payload)) ||
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
}

function checkIntegrationTime(entry: TransparencyLogEntry, index: number, at: Date): void {
  if (Number(entry.integratedTime) * 1000 > at.getTime() + MAX_CLOCK_SKEW_MS) {
    fail('TRANSPARENCY_NOT_IN_LOG', `log entry ${index} claims to be integrated in the future`);
  }
}

/**
 * The signed entry timestamp is what makes integratedTime (checked against `at`, returned to the
 * caller) the log's word rather than the bundle's: required, and the log's.
 */
function checkSignedEntryTimestamp(entry: TransparencyLogEntry, index: number, log: PinnedTLog): void {
  if (!entry.inclusionPromise) {
    fail(
      'TRANSPARENCY_UNTRUSTED_LOG_KEY',
      `log entry ${index} carries no signed entry timestamp: its integration time is not the log's`,
    );
  }
  const payloadJson = {
    body: entry.canonicalizedBody.toString('base64'),
    integratedTime: Number(entry.integratedTime),
    logIndex: index,
    logID: entry.logId.keyId.toString('hex'),
  };
  const set = (entry.inclusionPromise as NonNullable<typeof entry.inclusionPromise>).signedEntryTimestamp;
  if (!safeVerify(Buffer.from(json.canonicalize(payloadJson), 'utf8'), log.key, set)) {
    fail(
      'TRANSPARENCY_UNTRUSTED_LOG_KEY',
      `the signed entry timestamp of log entry ${index} is not signed by the pinned log key`,
    );
  }
}

/** A promise is not a proof: require the inclusion proof and its signed checkpoint. */
function requireInclusionProof(entry: TransparencyLogEntry, index: number): InclusionProof {
  const proof = entry.inclusionProof;
  if (!proof?.checkpoint?.envelope) {
    fail(
      'TRANSPARENCY_NOT_IN_LOG',
      `log entry ${index} carries no inclusion proof with a checkpoint, only a promise`,
    );
  }
  return proof as InclusionProof;
}

function readCheckpoint(
  proof: InclusionProof,
  index: number,
): { checkpoint: Checkpoint; note: ReturnType<typeof parseSignedNote> } {
  try {
    const note = parseSignedNote(proof.checkpoint?.envelope as string);
    return { checkpoint: parseCheckpoint(note.text), note };
  } catch (cause) {
    return fail('TRANSPARENCY_MALFORMED_BUNDLE', `log entry ${index}: the checkpoint is malformed`, cause);
  }
}

/**
 * C2SP signed-note: the signer name must be the pinned log's (exactly, not as a RegExp) and the
 * signature the pinned key's. The origin line is that name, or Rekor v1's "<name> - <tree ID>".
 */
function checkCheckpointSigner(
  checkpoint: Checkpoint,
  note: ReturnType<typeof parseSignedNote>,
  index: number,
  log: PinnedTLog,
): void {
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
}

/** RFC 9162 §2.1.3.2 against the signed root; the proof's own size and root must be the checkpoint's. */
function checkInclusionProof(
  entry: TransparencyLogEntry,
  index: number,
  proof: InclusionProof,
  checkpoint: Checkpoint,
): void {
  if (Number(proof.treeSize) !== checkpoint.size || !equalBytes(proof.rootHash, checkpoint.rootHash)) {
    fail(
      'TRANSPARENCY_BAD_INCLUSION_PROOF',
      `the inclusion proof of log entry ${index} is for another tree than its checkpoint`,
    );
  }
  if (Number(proof.logIndex) !== index) {
    fail(
      'TRANSPARENCY_BAD_INCLUSION_PROOF',
      `the inclusion proof is for leaf ${proof.logIndex}, the entry is ${index}`,
    );
  }
  const leaf = hashLeaf(entry.canonicalizedBody);
  if (!verifyInclusionProof(index, checkpoint.size, leaf, proof.hashes, checkpoint.rootHash)) {
    fail(
      'TRANSPARENCY_BAD_INCLUSION_PROOF',
      `the inclusion proof of log entry ${index} does not lead to the checkpoint's root`,
    );
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
