import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { SimulatorMessage } from './simulated-ipc-provider.js';
import { SimulatedIpcProvider } from './simulated-ipc-provider.js';

/** A fake IPC channel (the real one needs a parent process): records what is sent, answers on demand. */
function fakeChannel() {
  const channel = Object.assign(new EventEmitter(), {
    sent: [] as SimulatorMessage[],
    send(message: SimulatorMessage) {
      channel.sent.push(message);
      return true;
    },
  });
  return channel;
}

describe('SimulatedIpcProvider (fake channel)', () => {
  it('bounds the report requests pending at the host with a typed busy error', async () => {
    const channel = fakeChannel();
    const provider = new SimulatedIpcProvider(channel as unknown as NodeJS.Process, { maxPending: 2 });
    const first = provider.getEvidence(new Uint8Array(64));
    const second = provider.getEvidence(new Uint8Array(64));
    await expect(provider.getEvidence(new Uint8Array(64))).rejects.toMatchObject({
      code: 'RUNTIME_ATTESTATION_BUSY',
    });
    expect(channel.sent).toHaveLength(2);
    for (const m of channel.sent) {
      if (m.type === 'blindbox-sim/report-request') {
        channel.emit('message', { type: 'blindbox-sim/report', id: m.id, evidence: 'AQID' });
      }
    }
    expect((await first).evidence).toEqual(new Uint8Array([1, 2, 3]));
    expect((await second).evidence).toEqual(new Uint8Array([1, 2, 3]));
    // Slots are free again.
    const third = provider.getEvidence(new Uint8Array(64));
    expect(channel.sent).toHaveLength(3);
    channel.emit('disconnect');
    await expect(third).rejects.toMatchObject({ code: 'RUNTIME_SIMULATOR_UNAVAILABLE' });
  });

  it('fails a report request the host never answers, and frees its slot', async () => {
    const channel = fakeChannel();
    const provider = new SimulatedIpcProvider(channel as unknown as NodeJS.Process, {
      maxPending: 1,
      timeoutMs: 50,
    });
    await expect(provider.getEvidence(new Uint8Array(64))).rejects.toMatchObject({
      code: 'RUNTIME_ATTESTATION_UNAVAILABLE',
    });
    const next = provider.getEvidence(new Uint8Array(64));
    const last = channel.sent.at(-1);
    if (last?.type !== 'blindbox-sim/report-request') throw new Error('no request sent');
    channel.emit('message', { type: 'blindbox-sim/report', id: last.id, evidence: 'AA==' });
    expect((await next).evidence).toEqual(new Uint8Array([0]));
  });
});
