import { execFile } from 'node:child_process';
import type { NvidiaGpuEvidence } from '@blindbox/attestation';
import { hexDecode, hexEncode } from '@blindbox/bytes';
import { RuntimeError } from '../runtime-error.js';
import type { GpuEvidenceBridge } from './gpu-evidence-bridge.js';

/** Options of {@link CommandGpuBridge}. */
export interface CommandGpuBridgeOptions {
  /** The helper to run (absolute path, or a name on PATH). */
  command: string;
  /** Arguments before the nonce. Default: none. */
  args?: readonly string[];
  /** How long the helper may take for all GPUs. Default: 30 000 ms. */
  timeoutMs?: number;
  /** Largest standard output read; beyond, the helper is killed and the request fails. Default: 2 MiB. */
  maxOutputBytes?: number;
}

function unavailable(message: string, cause?: unknown): RuntimeError {
  return new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', `GPU evidence helper: ${message}`, { cause });
}

/** Reads the helper's answer: `{ "gpus": [{ "report": "<hex>", "certChain": "<PEM>" }, …] }`. */
function parseHelperOutput(stdout: string): NvidiaGpuEvidence[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (cause) {
    throw unavailable('standard output is not JSON', cause);
  }
  const gpus = (json as { gpus?: unknown } | null)?.gpus;
  if (!Array.isArray(gpus)) throw unavailable('expected {"gpus": [{"report": hex, "certChain": PEM}, …]}');
  return gpus.map((gpu: unknown, i) => {
    const { report, certChain } = (gpu ?? {}) as Record<string, unknown>;
    if (typeof report !== 'string' || !/^(?:[0-9a-fA-F]{2})+$/.test(report.trim()))
      throw unavailable(`gpus[${i}].report must be the report in hex, as NVIDIA's tools print it`);
    if (typeof certChain !== 'string' || !certChain.includes('-----BEGIN CERTIFICATE-----'))
      throw unavailable(`gpus[${i}].certChain must be the PEM chain NVML returns`);
    return { report: hexDecode(report.trim().toLowerCase()), certChain };
  });
}

/**
 * A GPU bridge that runs a helper inside the confidential VM for every attest request: the helper
 * gets the 32-byte GPU nonce in hex as its last argument, asks each GPU in confidential-computing
 * mode for a report answering it (NVML `nvmlDeviceGetConfComputeGpuAttestationReport`) and for its
 * certificate chain (`nvmlDeviceGetConfComputeGpuCertificate`), and prints
 * `{"gpus": [{"report": "<hex>", "certChain": "<PEM>"}, …]}`. A helper that fails, times out or
 * prints anything else fails the attest request (`RUNTIME_ATTESTATION_UNAVAILABLE`): the server
 * never answers without the GPU evidence it was configured to carry.
 */
export class CommandGpuBridge implements GpuEvidenceBridge {
  readonly #options: Required<CommandGpuBridgeOptions>;
  constructor(options: CommandGpuBridgeOptions) {
    this.#options = { args: [], timeoutMs: 30_000, maxOutputBytes: 2 * 1024 * 1024, ...options };
  }

  collect(nonce: Uint8Array): Promise<readonly NvidiaGpuEvidence[]> {
    if (nonce.length !== 32) throw new TypeError(`a GPU nonce is 32 bytes, got ${nonce.length}`);
    const { command, args, timeoutMs, maxOutputBytes } = this.#options;
    return new Promise((resolve, reject) => {
      execFile(
        command,
        [...args, hexEncode(nonce)],
        { timeout: timeoutMs, maxBuffer: maxOutputBytes, encoding: 'utf8', windowsHide: true },
        (error, stdout, stderr) => {
          if (error) {
            // The helper's own diagnostics, shortened: they name the GPU or NVML call that failed.
            const why = String(stderr).trim().slice(0, 300) || error.message;
            return reject(unavailable(`${command} failed: ${why}`, error));
          }
          try {
            resolve(parseHelperOutput(stdout));
          } catch (err) {
            reject(err);
          }
        },
      );
    });
  }
}
