import type { Platform } from '@blindbox/attestation';
import { RuntimeError } from '../runtime-error.js';
import type { AttestationProvider, ProvidedEvidence } from './attestation-provider.js';

/** Messages between the enclave process and the simulated TEE host (`blindbox serve`) over Node's IPC channel. */
export type SimulatorMessage =
  | { type: 'blindbox-sim/report-request'; id: number; reportData: string }
  | { type: 'blindbox-sim/report'; id: number; evidence?: string; error?: string }
  | { type: 'blindbox-sim/ready'; url: string; port: number };

/**
 * The enclave side of the simulated TEE: asks the host process, which plays the hardware, for a
 * report over the IPC channel, the way a real guest asks its firmware through a device.
 */
export class SimulatedIpcProvider implements AttestationProvider {
  readonly platform: Platform = 'simulated';
  #nextId = 1;
  #disconnected = false;
  readonly #pending = new Map<number, { resolve(e: ProvidedEvidence): void; reject(e: Error): void }>();
  readonly #maxPending: number;
  readonly #timeoutMs: number;

  /**
   * @param options - `maxPending`: report requests waiting for the host at once; beyond, a typed
   *   `RUNTIME_ATTESTATION_BUSY` error (default 64). `timeoutMs`: how long one waits for the host's
   *   answer before failing with `RUNTIME_ATTESTATION_UNAVAILABLE` (default 30 000). Without both, a
   *   flood of attest requests (or a host that stopped answering) grew the pending map without bound.
   */
  constructor(
    private readonly channel: NodeJS.Process = process,
    options: { maxPending?: number; timeoutMs?: number } = {},
  ) {
    this.#maxPending = options.maxPending ?? 64;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    if (typeof channel.send !== 'function') {
      throw new RuntimeError(
        'RUNTIME_SIMULATOR_UNAVAILABLE',
        'BLINDBOX_TEE=simulated needs the simulator host: start the image with `blindbox serve <build-dir>`',
      );
    }
    // The host plays the hardware: without it no report can be had, so fail what waits and what comes.
    channel.once('disconnect', () => {
      this.#disconnected = true;
      for (const waiter of this.#pending.values()) {
        waiter.reject(new RuntimeError('RUNTIME_SIMULATOR_UNAVAILABLE', 'the simulator host went away'));
      }
      this.#pending.clear();
    });
    channel.on('message', (message: SimulatorMessage) => {
      if (message?.type !== 'blindbox-sim/report') return;
      const waiter = this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id);
      if (message.evidence)
        waiter.resolve({ evidence: new Uint8Array(Buffer.from(message.evidence, 'base64')) });
      else
        waiter.reject(
          new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', message.error ?? 'simulator refused'),
        );
    });
  }

  getEvidence(reportData: Uint8Array): Promise<ProvidedEvidence> {
    if (this.#disconnected) {
      return Promise.reject(
        new RuntimeError('RUNTIME_SIMULATOR_UNAVAILABLE', 'the simulator host went away'),
      );
    }
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(
        new RuntimeError('RUNTIME_ATTESTATION_BUSY', `${this.#maxPending} report requests already pending`),
      );
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', 'the simulator host did not answer in time'),
        );
      }, this.#timeoutMs);
      timer.unref();
      const settle = () => clearTimeout(timer);
      this.#pending.set(id, {
        resolve: (e) => {
          settle();
          resolve(e);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      });
      const message: SimulatorMessage = {
        type: 'blindbox-sim/report-request',
        id,
        reportData: Buffer.from(reportData).toString('base64'),
      };
      this.channel.send?.(message);
    });
  }
}
