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

  constructor(private readonly channel: NodeJS.Process = process) {
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
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const message: SimulatorMessage = {
        type: 'blindbox-sim/report-request',
        id,
        reportData: Buffer.from(reportData).toString('base64'),
      };
      this.channel.send?.(message);
    });
  }
}
