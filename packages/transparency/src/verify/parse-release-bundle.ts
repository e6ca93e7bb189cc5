import { IN_TOTO_PAYLOAD_TYPE } from '@blindbox/protocol';
import {
  assertBundleLatest,
  type BundleLatest,
  bundleFromJSON,
  type TransparencyLogEntry,
} from '@sigstore/bundle';
import { assertReleaseStatement, type CheckedReleaseStatement } from './assert-release-statement.js';
import { fail } from './fail.js';

const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** A Sigstore bundle v0.3 whose content is a DSSE envelope. */
export type DsseBundle = BundleLatest & {
  content: Extract<BundleLatest['content'], { $case: 'dsseEnvelope' }>;
};

/** A release bundle read, before any signature is checked. */
export interface ParsedReleaseBundle {
  bundle: DsseBundle;
  statement: CheckedReleaseStatement;
  /** The one DSSE signature. */
  signature: Buffer;
  /** Its log entries (`assertBundleLatest` checked that each has a log ID and a kind/version). */
  entries: TransparencyLogEntry[];
}

/**
 * Reads a release bundle: a Sigstore bundle v0.3 with exactly one DSSE signature over an in-toto
 * release statement, with log entries that carry inclusion proofs. Throws `TRANSPARENCY_MALFORMED_BUNDLE`
 * or `TRANSPARENCY_NOT_IN_LOG`.
 */
export function parseReleaseBundle(json: unknown): ParsedReleaseBundle {
  refuseEntriesWithoutProof(json);
  const bundle = decodeDsseBundle(json);
  const envelope = bundle.content.dsseEnvelope;
  const statement = decodeStatement(envelope.payload);
  const entries = bundle.verificationMaterial.tlogEntries as TransparencyLogEntry[];
  return { bundle, statement, signature: envelope.signatures[0]?.sig as Buffer, entries };
}

/** v0.3 requires entries with inclusion proofs: say "not in the log" rather than "malformed" when absent. */
function refuseEntriesWithoutProof(json: unknown): void {
  const raw = json as {
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
}

function decodeDsseBundle(json: unknown): DsseBundle {
  let parsed: BundleLatest;
  try {
    const b = bundleFromJSON(json);
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

function decodeStatement(payload: Buffer): CheckedReleaseStatement {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (cause) {
    return fail('TRANSPARENCY_MALFORMED_BUNDLE', 'the DSSE payload is not JSON', cause);
  }
  return assertReleaseStatement(value);
}

/** Duplicates would let one log entry count twice towards a threshold (sigstore-js 3.x accepts them). */
export function refuseDuplicateEntries(entries: readonly TransparencyLogEntry[]): void {
  const seen = new Set<string>();
  for (const e of entries) {
    const id = `${e.logId.keyId.toString('hex')}/${e.logIndex}/${e.canonicalizedBody.toString('base64')}`;
    if (seen.has(id))
      fail('TRANSPARENCY_DUPLICATE_TLOG_ENTRY', `the bundle lists log entry ${e.logIndex} twice`);
    seen.add(id);
  }
}
