export type { ByteStream } from './byte-stream.js';
export {
  type EnclaveOptions,
  type EndpointOptions,
  enclave,
  endpoint,
  getEnclaveOptions,
  isEndpoint,
} from './decorators.js';
export { EndpointError } from './endpoint-error.js';
