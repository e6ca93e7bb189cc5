/**
 * `@blindbox/transparency/internal`: the building blocks under the public API, for BlindBox's own
 * packages (the log server) and for tools that read logs at a lower level: the RFC 9162 Merkle tree
 * and proof verifiers, C2SP signed notes, checkpoints and tiles, fork detection, the DSSE
 * pre-authentication encoding. No Node.js import (it bundles for browsers). Not covered by semver.
 */
export {
  checkpointStoreKey,
  observeCheckpoint,
} from './log/checkpoint-store.js';
export { hashChildren, hashLeaf } from './log/merkle-hash.js';
export {
  EMPTY_ROOT,
  HASH_SIZE,
  type HashStorage,
  MemoryHashStorage,
  MerkleTree,
  TILE_HEIGHT,
  TILE_WIDTH,
} from './log/merkle-tree.js';
export {
  type Checkpoint,
  ecdsaKeyHint,
  ed25519KeyHint,
  formatCheckpoint,
  formatSignatureLine,
  type NoteSignature,
  type NoteVerifierKeys,
  p256PointFromSpki,
  parseCheckpoint,
  parseSignedNote,
  type SignedNote,
  verifySignedNote,
} from './log/signed-note.js';
export { encodeEntryBundle, splitEntryBundle, tilePath } from './log/tlog-tiles.js';
export { verifyConsistencyProof } from './log/verify-consistency-proof.js';
export { rootFromInclusionProof, verifyInclusionProof } from './log/verify-inclusion-proof.js';
export { assertReleaseStatement, type CheckedReleaseStatement } from './verify/assert-release-statement.js';
export { preAuthEncoding } from './verify/pre-auth-encoding.js';
