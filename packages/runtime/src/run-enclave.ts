import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { AppManifest } from '@blindbox/protocol';
import { getEnclaveOptions } from '@blindbox/sdk';
import { type EnclaveServer, startEnclaveServer } from './enclave-server.js';
import type { AttestationProvider } from './providers/attestation-provider.js';
import { CommandGpuBridge } from './providers/command-gpu-bridge.js';
import { CompositeGpuProvider } from './providers/composite-gpu-provider.js';
import { SevSnpConfigfsProvider } from './providers/sev-snp-configfs-provider.js';
import { SimulatedIpcProvider, type SimulatorMessage } from './providers/simulated-ipc-provider.js';
import { TdxConfigfsProvider } from './providers/tdx-configfs-provider.js';
import { pcsCollateralSource } from './providers/tdx-pcs-collateral.js';
import { RuntimeError } from './runtime-error.js';
import type { EndpointValidators } from './validation-issue.js';

/** What the generated enclave entry passes in. */
export interface RunEnclaveOptions {
  manifest: AppManifest;
  enclaveClass: new () => object;
  /** Environment to read settings from. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Override the provider (tests). Default: chosen by `BLINDBOX_TEE`. */
  provider?: AttestationProvider;
  /** The validators `blindbox build` compiled from the manifest. Default: the schemas are walked. */
  validators?: EndpointValidators;
}

/**
 * The enclave's main: picks the attestation provider, starts the server, stops gracefully on
 * SIGTERM/SIGINT. Settings come from the environment because the image is fixed and measured:
 * `BLINDBOX_TEE` (simulated | sev-snp | tdx | nitro; default: simulated under `blindbox serve`, tdx
 * when /dev/tdx_guest and configfs-tsm exist, sev-snp when configfs-tsm exists), `BLINDBOX_CONFIGFS_TSM`
 * (default /sys/kernel/config/tsm/report), `BLINDBOX_TDX_PCCS_URL` (TDX: a PCS/PCCS to fetch Intel's
 * collateral from for the envelope; unmeasured but harmless: the collateral is Intel-signed and the
 * client checks it; default none), `BLINDBOX_GPU_EVIDENCE_COMMAND` (absolute path of a helper that
 * prints the NVIDIA GPUs' evidence for a nonce, see {@link CommandGpuBridge}: the envelope then carries
 * it next to the CPU evidence; default none, no GPU evidence),
 * `BLINDBOX_PORT` or `PORT` (default 8080), `BLINDBOX_HOST` (default 0.0.0.0),
 * `BLINDBOX_RELEASE_FILE` (the signed release bundle to serve; not trusted by clients, only offered),
 * `BLINDBOX_MAX_BODY_BYTES` (default 32 MiB), `BLINDBOX_CORS_ORIGINS` (web origins allowed to call
 * from browsers, comma-separated, or `*`; default none), `BLINDBOX_LOG=calls` (log outcome and duration per
 * call; never content or endpoint names, which the host operator must not learn),
 * `BLINDBOX_DEV_REVEAL_OUTPUT_ISSUES=1` (set by `blindbox dev`: an output the handler's declared
 * type refuses is answered with its path, expected and found, sealed to the caller).
 */
export async function runEnclave(options: RunEnclaveOptions): Promise<EnclaveServer> {
  const env = options.env ?? process.env;
  if (!getEnclaveOptions(options.enclaveClass)) {
    throw new RuntimeError(
      'RUNTIME_NOT_AN_ENCLAVE',
      'the class passed to runEnclave is not decorated with @enclave',
    );
  }
  const cpuProvider = options.provider ?? selectProvider(env.BLINDBOX_TEE ?? '', env);
  const gpuCommand = env.BLINDBOX_GPU_EVIDENCE_COMMAND;
  if (gpuCommand !== undefined && !isAbsolute(gpuCommand)) {
    // A bare name would be looked up on PATH, which the measured image does not pin.
    throw new RuntimeError(
      'RUNTIME_BAD_CONFIG',
      `BLINDBOX_GPU_EVIDENCE_COMMAND must be an absolute path, got ${JSON.stringify(gpuCommand)}`,
    );
  }
  const provider = gpuCommand
    ? new CompositeGpuProvider(cpuProvider, new CommandGpuBridge({ command: gpuCommand }))
    : cpuProvider;
  const release = env.BLINDBOX_RELEASE_FILE
    ? JSON.parse(readFileSync(env.BLINDBOX_RELEASE_FILE, 'utf8'))
    : undefined;
  const logCalls = env.BLINDBOX_LOG === 'calls';
  const maxBodyBytes = env.BLINDBOX_MAX_BODY_BYTES ? Number(env.BLINDBOX_MAX_BODY_BYTES) : undefined;
  if (maxBodyBytes !== undefined && !(Number.isSafeInteger(maxBodyBytes) && maxBodyBytes > 0)) {
    // NaN would compare false against every size and lift the limit altogether.
    throw new RuntimeError(
      'RUNTIME_BAD_CONFIG',
      `BLINDBOX_MAX_BODY_BYTES must be a positive integer number of bytes, got ${JSON.stringify(env.BLINDBOX_MAX_BODY_BYTES)}`,
    );
  }
  const server = await startEnclaveServer({
    manifest: options.manifest,
    instance: new options.enclaveClass(),
    provider,
    release,
    port: Number(env.BLINDBOX_PORT ?? env.PORT ?? 8080),
    host: env.BLINDBOX_HOST ?? '0.0.0.0',
    maxBodyBytes,
    corsOrigins: parseCorsOrigins(env.BLINDBOX_CORS_ORIGINS),
    ...(options.validators ? { validators: options.validators } : {}),
    // Sealed to the caller only, never logged: the developer at the other end of `blindbox dev`.
    revealOutputIssues: env.BLINDBOX_DEV_REVEAL_OUTPUT_ISSUES === '1',
    log: logCalls
      ? (e) =>
          process.stderr.write(
            `${JSON.stringify({ event: 'call', outcome: e.outcome, ms: Math.round(e.ms) })}\n`,
          )
      : undefined,
  });
  const stop = () => {
    server.close(10_000).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (process.send) {
    // Started by the simulator: if it dies (even by SIGKILL), do not linger as an orphan on its port.
    process.once('disconnect', stop);
    const ready: SimulatorMessage = { type: 'blindbox-sim/ready', url: server.url, port: server.port };
    process.send(ready);
  } else {
    process.stderr.write(
      `${JSON.stringify({ event: 'listening', url: server.url, platform: provider.platform })}\n`,
    );
  }
  return server;
}

const CONFIGFS_TSM = '/sys/kernel/config/tsm/report';

function parseCorsOrigins(value: string | undefined): readonly string[] | '*' | undefined {
  if (!value) return undefined;
  if (value.trim() === '*') return '*';
  return value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}

/**
 * `BLINDBOX_TEE` → provider. Unset: the simulator when started by `blindbox serve`, TDX when
 * /dev/tdx_guest and configfs-tsm are present, SEV-SNP when configfs-tsm is present, otherwise an
 * error (never a silent fallback to something unattested).
 */
function selectProvider(tee: string, env: Record<string, string | undefined>): AttestationProvider {
  const chosen = tee || (process.send ? 'simulated' : existsSync(CONFIGFS_TSM) ? configfsPlatform() : '');
  switch (chosen) {
    case 'simulated':
      return new SimulatedIpcProvider();
    case 'sev-snp': {
      const root = env.BLINDBOX_CONFIGFS_TSM ?? CONFIGFS_TSM;
      if (!existsSync(root)) {
        throw new RuntimeError(
          'RUNTIME_ATTESTATION_UNAVAILABLE',
          `BLINDBOX_TEE=sev-snp but ${root} does not exist: this is not an SEV-SNP guest with configfs-tsm (Linux ≥ 6.7)`,
        );
      }
      return new SevSnpConfigfsProvider({ root });
    }
    case 'tdx': {
      const root = env.BLINDBOX_CONFIGFS_TSM ?? CONFIGFS_TSM;
      if (!existsSync(root)) {
        throw new RuntimeError(
          'RUNTIME_ATTESTATION_UNAVAILABLE',
          `BLINDBOX_TEE=tdx but ${root} does not exist: this is not a TDX guest with configfs-tsm (Linux ≥ 6.7)`,
        );
      }
      // Intel's collateral rides in the envelope when a PCS/PCCS is named (it is signed by Intel).
      const pccs = env.BLINDBOX_TDX_PCCS_URL;
      return new TdxConfigfsProvider({
        root,
        ...(pccs ? { collateral: pcsCollateralSource({ baseUrl: pccs }) } : {}),
      });
    }
    case 'nitro':
      // /dev/nsm needs an ioctl, which Node cannot issue without a native addon (docs/attestation.md).
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        'BLINDBOX_TEE=nitro needs an NSM bridge: pass a NitroNsmProvider with an NsmDevice to runEnclave({ provider })',
      );
    default:
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        `no attestation provider for BLINDBOX_TEE=${JSON.stringify(tee)} on this machine; supported: simulated (via blindbox serve), sev-snp (configfs-tsm), tdx (configfs-tsm), nitro (with an NSM bridge)`,
      );
  }
}

/** configfs-tsm serves SNP and TDX guests alike; the TDX guest driver's device node tells them apart. */
function configfsPlatform(): 'tdx' | 'sev-snp' {
  return existsSync('/dev/tdx_guest') ? 'tdx' : 'sev-snp';
}
