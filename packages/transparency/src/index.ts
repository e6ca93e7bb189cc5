/**
 * `@blindbox/transparency`: sign BlindBox releases into a transparency log and verify them offline
 * (sigstore-js underneath), plus the embedded RFC 6962 log served by `blindbox log serve`.
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
export { FileCheckpointStore } from './file-checkpoint-store.js';
export { generateKeyFile, keyIdOf, type LoadedKey, loadKeyFile, publicKeyPathFor } from './key-file.js';
export { type LogServerOptions, type RunningLogServer, startLogServer } from './log-server.js';
export { type MonitoredRelease, type MonitorOptions, monitorLog } from './monitor-log.js';
export {
  assertReleaseStatement,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  RELEASE_PREDICATE_TYPE,
  type ReleaseStatement,
} from './release-statement.js';
export {
  type ReleaseSigner,
  type SignReleaseOptions,
  type SigstoreBundleJson,
  signRelease,
} from './sign-release.js';
export { TransparencyError, type TransparencyErrorCode } from './transparency-error.js';
export {
  fetchLogTrustedRoot,
  type PinnedLog,
  TRUSTED_ROOT_MEDIA_TYPE,
  type TrustedRootJson,
  trustedRootForLogs,
} from './trusted-root.js';
export {
  exactSan,
  type ReleaseIdentity,
  type VerifiedRelease,
  type VerifyReleaseOptions,
  verifyReleaseBundle,
} from './verify-release-bundle.js';
