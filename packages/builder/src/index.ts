import type { analyzeProject as analyze } from './analyze-project.js';

/** See `analyze-project.ts`. Loaded on first use: it pulls in ts-morph and TypeScript. */
export async function analyzeProject(...args: Parameters<typeof analyze>): ReturnType<typeof analyze> {
  return (await import('./analyze-project.js')).analyzeProject(...args);
}
export { type BuildOptions, type BuildResult, buildApp } from './build-app.js';
export { BuildError, type BuildErrorCode, type SourceLocation } from './build-error.js';
export { canonicalJson } from './canonical-json.js';
export type { ReleaseMeasurements } from './measure-image.js';
export {
  ImagePushError,
  type PushOptions,
  type PushResult,
  pushOciImage,
  type RegistryCredentials,
} from './push-oci-image.js';
export {
  type FileDifference,
  type LayerDifference,
  type ReproduceOptions,
  type ReproduceReport,
  reproduceRelease,
} from './reproduce-release.js';
export { type ImageVerification, verifyOciImage } from './verify-oci-image.js';
export type { ReleasePredicate, ReleaseStatement } from './write-release-statement.js';
