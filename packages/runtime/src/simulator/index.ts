export { type CheckedEntrypoint, checkEntrypoint } from './check-entrypoint.js';
export { measureFiles } from './measure-files.js';
export { type LoadedFile, type LoadedImage, type ReadImageLimits, readOciImage } from './read-oci-image.js';
export { defaultSimRootDir, loadSimRoot, type SimRoot } from './sim-root.js';
export {
  type Isolation,
  runcPath,
  type SimulatedEnclave,
  type SimulatedEnclaveOptions,
  startSimulatedEnclave,
} from './start-simulated-enclave.js';
