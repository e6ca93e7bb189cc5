import { createHash, createPublicKey } from 'node:crypto';
import { equalBytes } from '@blindbox/bytes';
import { X509Certificate as SigstoreCertificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  type CheckpointStore,
  checkpointStoreKey,
  fetchConsistencyFrom,
  observeCheckpoint,
} from '../log/checkpoint-store.js';
import { LogError } from '../log/log-error.js';
import { hashLeaf } from '../log/merkle-hash.js';
import { MerkleTree, TILE_WIDTH } from '../log/merkle-tree.js';
import { type Checkpoint, parseCheckpoint, parseSignedNote, verifySignedNote } from '../log/signed-note.js';
import { splitEntryBundle, tilePath } from '../log/tlog-tiles.js';
import { keyIdOf } from '../sign/key-file.js';
import { TransparencyError } from '../transparency-error.js';
import { assertReleaseStatement } from '../verify/assert-release-statement.js';
import type { ReleaseIdentity } from '../verify/release-identity.js';

/** Options of {@link monitorLog}. */
export interface MonitorOptions {
  /** Base URL of a log with this package's read API (`/checkpoint`, `/tile/entries`, Rekor v1 GETs). */
  logUrl: string;
  /** The pinned TrustedRoot naming the log's key. */
  trustedRoot: unknown;
  /**
   * The identity whose releases to list: a key, or a keyless SAN pattern (matched whole) with an
   * optional OIDC issuer (exact; default: any issuer, so that a hijacked identity at another issuer
   * shows up too).
   */
  identity: ReleaseIdentity | { kind: 'keyless'; san: string; issuer?: string };
  /** Subject SHA-256 digests (hex, `sha256:` prefix allowed) of the releases you expect. Default: none expected. */
  expect?: readonly string[];
  /** Remembers the checkpoint between runs and rejects a log that forked. Default: none. */
  checkpoints?: CheckpointStore;
}

/** One entry of the monitored identity. */
export interface MonitoredRelease {
  logIndex: number;
  integratedTime: Date;
  kind: 'dsse' | 'hashedrekord';
  /** Subject digest of the release statement (hex), when the entry is a readable release. */
  subjectDigest?: string;
  app?: string;
  version?: string;
  /** True when the subject digest is in the expected list. */
  expected: boolean;
}

/** An entry of the monitored identity, as read from the entry tiles (the bytes the tree was checked over). */
interface MatchedEntry {
  index: number;
  kind: 'dsse' | 'hashedrekord';
  body: Uint8Array;
}

type LogGet = (path: string) => Promise<Response>;

/**
 * Lists every entry signed by `identity` in a log: reads all entry tiles, recomputes the tree and
 * checks it against the signed checkpoint (so the log cannot hide an entry from the monitor), then
 * decodes each matching release. Entries whose subject is not expected come back in `unexpected`.
 */
export async function monitorLog(
  options: MonitorOptions,
): Promise<{ treeSize: number; releases: MonitoredRelease[]; unexpected: MonitoredRelease[] }> {
  const isMonitored = identityMatcher(options.identity);
  const base = options.logUrl.replace(/\/+$/, '');
  const get: LogGet = async (path) => {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new LogError('LOG_NOT_FOUND', `${base}${path} answered HTTP ${res.status}`);
    return res;
  };
  const { checkpoint, noteText, logId } = await readPinnedCheckpoint(get, base, options.trustedRoot);
  if (options.checkpoints) await refuseRollback(options.checkpoints, checkpoint, noteText, logId, base);
  const expected = new Set((options.expect ?? []).map((d) => d.replace(/^sha256:/, '').toLowerCase()));
  const matches = await readEntriesSignedBy(get, base, checkpoint, isMonitored);
  const releases: MonitoredRelease[] = [];
  for (const m of matches) releases.push(await readRelease(get, m, expected));
  return { treeSize: checkpoint.size, releases, unexpected: releases.filter((r) => !r.expected) };
}

/** The log's current checkpoint, which must be signed by a log the TrustedRoot pins. */
async function readPinnedCheckpoint(
  get: LogGet,
  base: string,
  trustedRoot: unknown,
): Promise<{ checkpoint: Checkpoint; noteText: string; logId: string }> {
  const noteText = await (await get('/checkpoint')).text();
  const note = parseSignedNote(noteText);
  const checkpoint = parseCheckpoint(note.text);
  const pinned = TrustedRoot.fromJSON(trustedRoot).tlogs.find(
    (t) => t.baseUrl === `https://${checkpoint.origin}`,
  );
  const spki = pinned?.publicKey?.rawBytes;
  if (!spki || !verifySignedNote(note, { name: checkpoint.origin, ecdsaSpki: spki })) {
    throw new TransparencyError(
      'TRANSPARENCY_UNTRUSTED_LOG_KEY',
      `the checkpoint of ${base} is not signed by a log the TrustedRoot pins`,
    );
  }
  return { checkpoint, noteText, logId: createHash('sha256').update(spki).digest('hex') };
}

/**
 * An older checkpoint is consistent, but listing only its entries would hide every later one: a
 * smaller tree than one seen before is a rollback. Then the usual fork check against the store.
 */
async function refuseRollback(
  store: CheckpointStore,
  checkpoint: Checkpoint,
  noteText: string,
  logId: string,
  base: string,
): Promise<void> {
  const seen = await store.get(checkpointStoreKey(checkpoint.origin, logId));
  if (seen && seen.size > checkpoint.size) {
    throw new TransparencyError(
      'TRANSPARENCY_LOG_FORK',
      `log ${checkpoint.origin} serves size ${checkpoint.size}, but size ${seen.size} was seen before: it rolled back`,
    );
  }
  await observeCheckpoint(
    store,
    { origin: checkpoint.origin, logId },
    checkpoint,
    noteText,
    fetchConsistencyFrom(base),
  );
}

/** Reads every entry tile, keeps the entries of the identity, and checks the tiles hash to the signed root. */
async function readEntriesSignedBy(
  get: LogGet,
  base: string,
  checkpoint: Checkpoint,
  isMonitored: (pem: string) => boolean,
): Promise<MatchedEntry[]> {
  const tree = new MerkleTree();
  const matches: MatchedEntry[] = [];
  for (let tile = 0; tile * TILE_WIDTH < checkpoint.size; tile++) {
    const width = Math.min(TILE_WIDTH, checkpoint.size - tile * TILE_WIDTH);
    const bytes = new Uint8Array(
      await (
        await get(`/tile/entries/${tilePath(tile)}${width < TILE_WIDTH ? `.p/${width}` : ''}`)
      ).arrayBuffer(),
    );
    const bodies = splitEntryBundle(bytes);
    if (bodies.length !== width)
      throw new LogError(
        'LOG_BAD_REQUEST',
        `entry tile ${tile} holds ${bodies.length} entries, expected ${width}`,
      );
    tree.append(bodies.map(hashLeaf));
    bodies.forEach((body, i) => {
      const kind = signedBy(body, isMonitored);
      if (kind) matches.push({ index: tile * TILE_WIDTH + i, kind, body });
    });
  }
  // the entries we read are exactly the tree the log signed
  if (!equalBytes(tree.rootHash(), checkpoint.rootHash)) {
    throw new TransparencyError(
      'TRANSPARENCY_LOG_FORK',
      `the entries ${base} serves do not hash to the root it signed`,
    );
  }
  return matches;
}

/** The release an entry carries: its time from the log, and for a readable dsse release its statement. */
async function readRelease(
  get: LogGet,
  m: MatchedEntry,
  expected: ReadonlySet<string>,
): Promise<MonitoredRelease> {
  const res = (await (await get(`/api/v1/log/entries?logIndex=${m.index}`)).json()) as Record<
    string,
    { body: string; integratedTime: number; attestation?: { data?: string } }
  >;
  const entry = Object.values(res)[0];
  const release: MonitoredRelease = {
    logIndex: m.index,
    integratedTime: new Date((entry?.integratedTime ?? 0) * 1000),
    kind: m.kind,
    expected: false,
  };
  if (m.kind === 'dsse' && entry?.attestation?.data) {
    try {
      Object.assign(release, describeAttestation(entry.attestation.data, m.body, expected));
    } catch {
      // unreadable: reported as an unexpected entry of this identity
    }
  }
  return release;
}

/** Reads the logged DSSE envelope; only one whose payload is what the logged body hashed counts. */
function describeAttestation(
  data: string,
  loggedBody: Uint8Array,
  expected: ReadonlySet<string>,
): Partial<MonitoredRelease> {
  const envelope = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { payload: string };
  const payload = Buffer.from(envelope.payload, 'base64');
  // the body the tree was checked against, not the one this second answer claims
  const body = JSON.parse(Buffer.from(loggedBody).toString('utf8')) as {
    spec: { payloadHash: { value: string } };
  };
  if (createHash('sha256').update(payload).digest('hex') !== body.spec.payloadHash.value) return {};
  const statement = assertReleaseStatement(JSON.parse(payload.toString('utf8')));
  return {
    subjectDigest: statement.subject[0]?.digest.sha256,
    app: statement.predicate.app,
    version: statement.predicate.version,
    // every subject: an expected digest listed first must not cover an unexpected one
    expected: statement.subject.every((s) => expected.has(s.digest.sha256)),
  };
}

/** A test of a verifier PEM (key or certificate) against the monitored identity. */
function identityMatcher(identity: MonitorOptions['identity']): (pem: string) => boolean {
  if (identity.kind === 'key') {
    let pinned: string;
    try {
      pinned = keyIdOf(createPublicKey(identity.publicKey));
    } catch (cause) {
      throw new TransparencyError(
        'TRANSPARENCY_BAD_POLICY',
        'the monitored public key is not a PEM public key',
        { cause },
      );
    }
    return (pem) => !pem.includes('BEGIN CERTIFICATE') && keyIdOf(createPublicKey(pem)) === pinned;
  }
  let pattern: RegExp;
  try {
    new RegExp(identity.san); // must stand alone, not only once wrapped (see compileSanPattern)
    pattern = new RegExp(`^(?:${identity.san})$`);
  } catch (cause) {
    throw new TransparencyError('TRANSPARENCY_BAD_POLICY', `invalid SAN pattern: ${identity.san}`, { cause });
  }
  const issuer = identity.issuer;
  return (pem) => {
    if (!pem.includes('BEGIN CERTIFICATE')) return false;
    const cert = SigstoreCertificate.parse(pem);
    const san = cert.subjectAltName;
    if (san === undefined || !pattern.test(san)) return false;
    return issuer === undefined || fulcioIssuer(cert) === issuer;
  };
}

/** The OIDC issuer Fulcio records in a certificate (v2 extension, else v1). */
function fulcioIssuer(cert: SigstoreCertificate): string | undefined {
  const v2 = cert.extension('1.3.6.1.4.1.57264.1.8');
  if (v2) return v2.valueObj.subs[0]?.value.toString('utf8');
  return cert.extension('1.3.6.1.4.1.57264.1.1')?.value.toString('utf8');
}

/** Which kind of entry it is, if `body` (a canonical Rekor body) was signed by the monitored identity. */
function signedBy(body: Uint8Array, matches: (pem: string) => boolean): 'dsse' | 'hashedrekord' | undefined {
  let parsed: {
    kind?: string;
    spec?: { signatures?: Array<{ verifier?: string }>; signature?: { publicKey?: { content?: string } } };
  };
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return undefined;
  }
  const verifiers =
    parsed.kind === 'dsse'
      ? (parsed.spec?.signatures ?? []).map((s) => s.verifier)
      : parsed.kind === 'hashedrekord'
        ? [parsed.spec?.signature?.publicKey?.content]
        : [];
  const hit = verifiers.some((v) => {
    if (!v) return false;
    try {
      return matches(Buffer.from(v, 'base64').toString('utf8'));
    } catch {
      return false;
    }
  });
  return hit ? (parsed.kind as 'dsse' | 'hashedrekord') : undefined;
}
