import { LogError } from '@blindbox/transparency';
import {
  formatCheckpoint,
  parseCheckpoint,
  parseSignedNote,
  verifyConsistencyProof,
} from '@blindbox/transparency/internal';
import { type LogKeys, signCheckpointNote } from './log-keys.js';
import type { LogStorage } from './log-storage.js';

/** The checkpoint the log last signed: every read is answered against it, never against unsigned state. */
export interface SignedCheckpoint {
  note: string;
  size: number;
  rootHash: Uint8Array;
}

/**
 * The checkpoint to serve at start-up: the one stored if it covers the whole tree, else a new one
 * signed over the recovered tree (which must extend the stored one).
 */
export function restoreCheckpoint(keys: LogKeys, storage: LogStorage): SignedCheckpoint {
  const stored = signedFromNote(storage.lastCheckpoint());
  if (stored && stored.size === storage.size) return stored;
  return signNextCheckpoint(keys, storage, stored);
}

/**
 * Signs and records the checkpoint of the current tree — after proving to itself (RFC 9162 §2.1.4.2)
 * that it extends the previous signed one. Append-only storage makes that true by construction; the
 * check is what keeps a bug or a damaged file from ever producing two inconsistent signed checkpoints.
 */
export function signNextCheckpoint(
  keys: LogKeys,
  storage: LogStorage,
  previous: SignedCheckpoint | undefined,
): SignedCheckpoint {
  const size = storage.size;
  const rootHash = storage.tree.rootHash(size);
  if (previous) {
    const consistent =
      previous.size <= size &&
      verifyConsistencyProof(
        previous.size,
        size,
        previous.rootHash,
        rootHash,
        storage.tree.consistencyProof(previous.size, size),
      );
    if (!consistent) {
      throw new LogError(
        'LOG_STORAGE_CORRUPT',
        `refusing to sign size ${size}: it does not extend the checkpoint already signed at size ${previous.size}`,
      );
    }
  }
  const note = signCheckpointNote(keys, formatCheckpoint({ origin: keys.origin, size, rootHash }));
  storage.saveCheckpoint(note);
  return { note, size, rootHash };
}

function signedFromNote(note: string | undefined): SignedCheckpoint | undefined {
  if (note === undefined) return undefined;
  const cp = parseCheckpoint(parseSignedNote(note).text);
  return { note, size: cp.size, rootHash: cp.rootHash };
}
