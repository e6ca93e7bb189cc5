/**
 * `@blindbox/transparency`: sign BlindBox releases into a transparency log and verify them offline
 * (sigstore-js underneath), read a log (trusted root, checkpoints, fork detection) and monitor it.
 * The log server itself is `@blindbox/log-server`; parsers and the Merkle tree are in `./internal`.
 * Folders: `sign/`, `verify/`, `log/` (what a log client reads), `monitor/`.
 */

export {
  type CheckpointStore,
  type FetchConsistency,
  fetchConsistencyFrom,
  MemoryCheckpointStore,
  type RememberedCheckpoint,
} from './log/checkpoint-store.js';
export { FileCheckpointStore } from './log/file-checkpoint-store.js';
export { LogError, type LogErrorCode } from './log/log-error.js';
export {
  fetchLogTrustedRoot,
  type PinnedLog,
  type TrustedRootJson,
  trustedRootForLogs,
} from './log/trusted-root.js';
export { type MonitoredRelease, type MonitorOptions, monitorLog } from './monitor/monitor-log.js';
export { generateKeyFile, keyIdOf, type LoadedKey, loadKeyFile } from './sign/key-file.js';
export {
  type ReleaseSigningKey,
  type SignReleaseOptions,
  type SigstoreBundleJson,
  signRelease,
} from './sign/sign-release.js';
export { TransparencyError, type TransparencyErrorCode } from './transparency-error.js';
export { exactSan, type ReleaseIdentity } from './verify/release-identity.js';
export {
  type VerifiedRelease,
  type VerifyReleaseOptions,
  verifyReleaseBundle,
} from './verify/verify-release-bundle.js';
