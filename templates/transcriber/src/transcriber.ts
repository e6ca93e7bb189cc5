import { EndpointError, enclave, endpoint } from '@blindbox/sdk';
import { readWav } from './read-wav.js';

/** The longest recording one call accepts, in seconds: bounds the enclave's memory per call. */
const MAX_SECONDS = 600;

/**
 * Receives audio inside a TEE. This starter decodes the WAV and measures where speech is; the speech
 * model (shipped as a measured image layer, never downloaded at start-up) is the next step.
 */
@enclave({ name: 'transcriber' })
export class Transcriber {
  @endpoint()
  async analyze(req: { audio: Uint8Array; language?: 'en' | 'fr' }): Promise<{
    language: 'en' | 'fr';
    sampleRate: number;
    channels: number;
    durationMs: number;
    speechMs: number;
  }> {
    const wav = readWav(req.audio);
    const durationMs = Math.round((wav.frames / wav.sampleRate) * 1000);
    if (durationMs > MAX_SECONDS * 1000)
      throw new EndpointError('AUDIO_TOO_LONG', `at most ${MAX_SECONDS} s per call`, { path: '/audio' });
    return {
      language: req.language ?? 'en',
      sampleRate: wav.sampleRate,
      channels: wav.channels,
      durationMs,
      speechMs: speechMilliseconds(wav.samples, wav.sampleRate, wav.channels),
    };
  }
}

/** Voice activity by energy: 20 ms windows whose RMS is above -40 dBFS count as speech. */
export function speechMilliseconds(samples: Int16Array, sampleRate: number, channels: number): number {
  const window = Math.max(1, Math.round(sampleRate * 0.02)) * channels;
  const threshold = 32768 * 10 ** (-40 / 20);
  let speechWindows = 0;
  for (let start = 0; start + window <= samples.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += (samples[i] ?? 0) ** 2;
    if (Math.sqrt(sum / window) > threshold) speechWindows++;
  }
  return speechWindows * 20;
}
