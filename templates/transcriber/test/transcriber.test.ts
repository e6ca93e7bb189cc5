import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndpointError } from '@blindbox/sdk';
import { Transcriber } from '../src/transcriber.ts';

/** A mono 16 kHz WAV: `silentMs` of silence, then `toneMs` of a 440 Hz tone at half scale. */
function wav(silentMs: number, toneMs: number, sampleRate = 16_000): Uint8Array {
  const frames = Math.round(((silentMs + toneMs) / 1000) * sampleRate);
  const out = new Uint8Array(44 + frames * 2);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + frames * 2, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, frames * 2, true);
  const silent = Math.round((silentMs / 1000) * sampleRate);
  for (let i = silent; i < frames; i++)
    view.setInt16(44 + i * 2, Math.round(16_000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate)), true);
  return out;
}

test('analyze decodes the WAV and finds where the sound is', async () => {
  const out = await new Transcriber().analyze({ audio: wav(500, 1000), language: 'fr' });
  assert.deepEqual(out, {
    language: 'fr',
    sampleRate: 16_000,
    channels: 1,
    durationMs: 1500,
    speechMs: 1000,
  });
});

test('analyze refuses what is not 16-bit PCM WAV, and a chunk that lies about its size', async () => {
  const t = new Transcriber();
  const isBadAudio = (err: unknown) => err instanceof EndpointError && err.code === 'BAD_AUDIO';
  await assert.rejects(t.analyze({ audio: new TextEncoder().encode('hello, not audio') }), isBadAudio);
  const lying = wav(0, 100);
  new DataView(lying.buffer).setUint32(40, 1 << 30, true);
  await assert.rejects(t.analyze({ audio: lying }), isBadAudio);
});
