export { type CallLogger, dispatchCall } from './dispatch-call.js';
export { type EnclaveServer, type EnclaveServerOptions, startEnclaveServer } from './enclave-server.js';
export type {
  AttestationProvider,
  EvidenceContext,
  ProvidedEvidence,
} from './providers/attestation-provider.js';
export { CommandGpuBridge, type CommandGpuBridgeOptions } from './providers/command-gpu-bridge.js';
export { CompositeGpuProvider } from './providers/composite-gpu-provider.js';
export type { GpuEvidenceBridge } from './providers/gpu-evidence-bridge.js';
export { type NitroNsmOptions, NitroNsmProvider, type NsmDevice } from './providers/nitro-nsm-provider.js';
export { RecordedGpuBridge } from './providers/recorded-gpu-bridge.js';
export { type SevSnpConfigfsOptions, SevSnpConfigfsProvider } from './providers/sev-snp-configfs-provider.js';
export {
  type SevGuestDevice,
  type SevSnpGuestDeviceOptions,
  SevSnpGuestDeviceProvider,
} from './providers/sev-snp-guest-device-provider.js';
export { SimulatedIpcProvider, type SimulatorMessage } from './providers/simulated-ipc-provider.js';
export { type TdxConfigfsOptions, TdxConfigfsProvider } from './providers/tdx-configfs-provider.js';
export { type PcsCollateralSourceOptions, pcsCollateralSource } from './providers/tdx-pcs-collateral.js';
export { type RunEnclaveOptions, runEnclave } from './run-enclave.js';
export { RuntimeError, type RuntimeErrorCode } from './runtime-error.js';
export { resolveLimits, type ServerLimits } from './server-limits.js';
export { type ValidationIssue, validateValue } from './validate-value.js';
export {
  type CompiledValidator,
  type EndpointValidators,
  validatorSupport,
} from './validation-issue.js';
