/**
 * `@blindbox/transparency/merkle`: the parts with no Node.js import, for browsers and other runtimes —
 * the RFC 9162 tree and proof verifiers, C2SP signed notes and checkpoints, and checkpoint stores with
 * fork detection.
 */
export {
  type CheckpointStore,
  checkpointStoreKey,
  type FetchConsistency,
  fetchConsistencyFrom,
  MemoryCheckpointStore,
  observeCheckpoint,
  type RememberedCheckpoint,
} from './checkpoint-store.js';
export { bytesEqual, fromHex, hashChildren, hashLeaf, toHex } from './merkle-hash.js';
export {
  EMPTY_ROOT,
  type HashStorage,
  MemoryHashStorage,
  MerkleTree,
  TILE_HEIGHT,
  TILE_WIDTH,
} from './merkle-tree.js';
export {
  type Checkpoint,
  ecdsaKeyHint,
  ed25519KeyHint,
  formatCheckpoint,
  type NoteSignature,
  type NoteVerifierKeys,
  parseCheckpoint,
  parseSignedNote,
  type SignedNote,
  verifySignedNote,
} from './signed-note.js';
export { TransparencyError, type TransparencyErrorCode } from './transparency-error.js';
export { verifyConsistencyProof } from './verify-consistency-proof.js';
export { rootFromInclusionProof, verifyInclusionProof } from './verify-inclusion-proof.js';
