import { hexDecode, hexEncode } from '@blindbox/bytes';
import { TransparencyError } from '../transparency-error.js';
import type { Checkpoint } from './signed-note.js';
import { verifyConsistencyProof } from './verify-consistency-proof.js';

/** What a {@link CheckpointStore} remembers about one log: the largest checkpoint seen. */
export interface RememberedCheckpoint {
  origin: string;
  size: number;
  /** Hex root hash. */
  rootHash: string;
  /** The signed note it came from (for evidence in a fork report). */
  note: string;
}

/**
 * Remembers, per log (keyed by origin and log key), the last checkpoint a client accepted. Keeping it
 * across runs is what lets a client notice a log that shows it one history today and another one
 * tomorrow. Implementations: {@link MemoryCheckpointStore}, and `FileCheckpointStore` (Node).
 */
export interface CheckpointStore {
  get(logKey: string): Promise<RememberedCheckpoint | undefined>;
  set(logKey: string, checkpoint: RememberedCheckpoint): Promise<void>;
}

/** Fetches an RFC 9162 §2.1.4 consistency proof between two sizes of a log. */
export type FetchConsistency = (
  log: { origin: string; logId: string },
  firstSize: number,
  secondSize: number,
) => Promise<Uint8Array[]>;

/** A {@link CheckpointStore} in memory (one process, e.g. a browser tab or a test). */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly map = new Map<string, RememberedCheckpoint>();
  async get(logKey: string): Promise<RememberedCheckpoint | undefined> {
    return this.map.get(logKey);
  }
  async set(logKey: string, checkpoint: RememberedCheckpoint): Promise<void> {
    this.map.set(logKey, checkpoint);
  }
}

/** The store key of a log: its origin and its key ID, so that a re-keyed log is a new log. */
export function checkpointStoreKey(origin: string, logId: string): string {
  return `${origin} ${logId}`;
}

/**
 * Checks a verified checkpoint against the one remembered for its log and remembers the larger.
 * Same size: the roots must be equal. Different sizes: an RFC 9162 §2.1.4.2 consistency proof between
 * them must verify, else `TRANSPARENCY_LOG_FORK`. Without a way to fetch a proof it fails closed with
 * `TRANSPARENCY_CONSISTENCY_UNAVAILABLE`. The checkpoint's signature must be verified before.
 */
export async function observeCheckpoint(
  store: CheckpointStore,
  log: { origin: string; logId: string },
  checkpoint: Checkpoint,
  note: string,
  fetchConsistency?: FetchConsistency,
): Promise<void> {
  const key = checkpointStoreKey(log.origin, log.logId);
  // one observation per store and log at a time: two concurrent ones would both read the same
  // remembered checkpoint, and two forks verified at once would both be accepted
  let byKey = inFlight.get(store);
  if (!byKey) {
    byKey = new Map();
    inFlight.set(store, byKey);
  }
  const run = (byKey.get(key) ?? Promise.resolve()).then(() =>
    observeLocked(store, key, log, checkpoint, note, fetchConsistency),
  );
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  byKey.set(key, settled);
  try {
    await run;
  } finally {
    if (byKey.get(key) === settled) byKey.delete(key);
  }
}

const inFlight = new WeakMap<CheckpointStore, Map<string, Promise<void>>>();

async function observeLocked(
  store: CheckpointStore,
  key: string,
  log: { origin: string; logId: string },
  checkpoint: Checkpoint,
  note: string,
  fetchConsistency?: FetchConsistency,
): Promise<void> {
  const seen = await store.get(key);
  const current: RememberedCheckpoint = {
    origin: checkpoint.origin,
    size: checkpoint.size,
    rootHash: hexEncode(checkpoint.rootHash),
    note,
  };
  if (!seen) {
    await store.set(key, current);
    return;
  }
  const fork = (why: string): never => {
    throw new TransparencyError(
      'TRANSPARENCY_LOG_FORK',
      `log ${log.origin} forked: ${why} (remembered size ${seen.size} root ${seen.rootHash}; presented size ${current.size} root ${current.rootHash}). ` +
        'Keep both signed checkpoints as evidence and stop trusting this log.',
    );
  };
  if (seen.size === current.size) {
    if (seen.rootHash !== current.rootHash) fork('two different roots for the same tree size');
    return;
  }
  const [older, newer] = seen.size < current.size ? [seen, current] : [current, seen];
  // the empty tree is a prefix of every tree (RFC 9162 §2.1.4): nothing to fetch, and logs refuse firstSize=0
  if (older.size === 0) {
    if (current.size > seen.size) await store.set(key, current);
    return;
  }
  if (!fetchConsistency) {
    throw new TransparencyError(
      'TRANSPARENCY_CONSISTENCY_UNAVAILABLE',
      `log ${log.origin}: cannot check that size ${older.size} is a prefix of size ${newer.size} without a consistency proof; pass fetchConsistency`,
    );
  }
  let proof: Uint8Array[];
  try {
    proof = await fetchConsistency(log, older.size, newer.size);
  } catch (cause) {
    throw new TransparencyError(
      'TRANSPARENCY_CONSISTENCY_UNAVAILABLE',
      `log ${log.origin}: could not fetch a consistency proof from ${older.size} to ${newer.size}`,
      { cause },
    );
  }
  // RFC 9162 §2.1.4.2
  if (
    !verifyConsistencyProof(
      older.size,
      newer.size,
      hexDecode(older.rootHash),
      hexDecode(newer.rootHash),
      proof,
    )
  ) {
    fork(`no valid consistency proof from size ${older.size} to ${newer.size}`);
  }
  if (current.size > seen.size) await store.set(key, current);
}

/** A {@link FetchConsistency} over a Rekor v1 API (`GET /api/v1/log/proof`) at `logUrl`. */
export function fetchConsistencyFrom(logUrl: string, timeoutMs = 30_000): FetchConsistency {
  const base = logUrl.replace(/\/+$/, '');
  return async (_log, firstSize, secondSize) => {
    const res = await fetch(`${base}/api/v1/log/proof?firstSize=${firstSize}&lastSize=${secondSize}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as { hashes?: unknown };
    if (!Array.isArray(body.hashes) || body.hashes.some((h) => typeof h !== 'string'))
      throw new Error('malformed proof');
    return (body.hashes as string[]).map(hexDecode);
  };
}
