export { type LoadedImage, readOciImage } from './read-oci-image.js';
export { defaultSimRootDir, loadSimRoot, type SimRoot } from './sim-root.js';
export {
  type SimulatedEnclave,
  type SimulatedEnclaveOptions,
  startSimulatedEnclave,
} from './start-simulated-enclave.js';
