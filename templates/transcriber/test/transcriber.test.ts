import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndpointError } from '@blindbox/sdk';
import type { EngineTranscript, SpeechEngine } from '../src/speech-engine.ts';
import { Transcriber } from '../src/transcriber.ts';
import { streamOf } from './stream-of.ts';

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

/** An engine that always hears the same words (no recogniser needed): tests the handler around it. */
class FixedEngine implements SpeechEngine {
  heard: Int16Array[] = [];
  constructor(readonly said: string) {}
  async transcribe(pcm16k: AsyncIterable<Int16Array>): Promise<EngineTranscript> {
    const pieces: Int16Array[] = [];
    for await (const piece of pcm16k) pieces.push(piece);
    const all = Int16Array.from(pieces.flatMap((p) => [...p]));
    this.heard.push(all);
    return { text: this.said, segments: [{ start: 0, end: all.length / 16_000, text: this.said }] };
  }
}

test('transcribe hands the engine 16 kHz mono and returns its words, redacted on request', async () => {
  const engine = new FixedEngine('the patient jane doe can be reached at five five five one two three four');
  const t = new Transcriber(engine);
  const out = await t.transcribe({ audio: streamOf(wav(0, 1000, 44_100), 1001) });
  assert.equal(out.durationSeconds, 1);
  assert.equal(engine.heard[0]?.length, 16_000);
  assert.equal(out.text, engine.said);
  const redacted = await t.transcribe({ audio: streamOf(wav(0, 1000, 8000)), redact: true });
  assert.equal(redacted.text, 'the patient [NAME] can be reached at [PHONE]');
  assert.deepEqual(redacted.segments, [{ start: 0, end: 1, text: redacted.text }]);
});

test('transcribe refuses bad audio, long audio, other languages and formats with typed errors', async () => {
  const engine = new FixedEngine('never');
  const t = new Transcriber(engine);
  const code = (c: string) => (err: unknown) => err instanceof EndpointError && err.code === c;
  await assert.rejects(t.transcribe({ audio: streamOf(new Uint8Array(3)) }), code('BAD_AUDIO'));
  await assert.rejects(t.transcribe({ audio: streamOf(wav(0, 10, 4000)) }), code('BAD_AUDIO'));
  // 601 s at 8 kHz: one second over the bound, refused before the engine runs.
  await assert.rejects(t.transcribe({ audio: streamOf(wav(601_000, 0, 8000)) }), code('AUDIO_TOO_LONG'));
  const fr = { audio: streamOf(wav(0, 100)), language: 'fr' } as unknown as Parameters<
    Transcriber['transcribe']
  >[0];
  await assert.rejects(t.transcribe(fr), code('UNSUPPORTED_LANGUAGE'));
  const mp3 = { audio: streamOf(wav(0, 100)), format: 'mp3' } as unknown as Parameters<
    Transcriber['transcribe']
  >[0];
  await assert.rejects(t.transcribe(mp3), code('UNSUPPORTED_FORMAT'));
  assert.equal(engine.heard.length, 0);
});

test('a recording too long is refused from its header, before the rest is uploaded', async () => {
  const engine = new FixedEngine('never');
  // The header of a 601 s file at 8 kHz; the stream fails if anything past it is pulled.
  const header = wav(601_000, 0, 8000).subarray(0, 44);
  const audio = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(header);
    },
    pull(controller) {
      controller.error(new Error('pulled past the header'));
    },
  }) as unknown as Parameters<Transcriber['transcribe']>[0]['audio'];
  await assert.rejects(
    new Transcriber(engine).transcribe({ audio }),
    (err: unknown) => err instanceof EndpointError && err.code === 'AUDIO_TOO_LONG',
  );
});

test('an upload cut inside the samples fails the call with BAD_AUDIO, not a shorter transcript', async () => {
  const engine = new FixedEngine('half');
  const bytes = wav(0, 1000, 16_000);
  await assert.rejects(
    new Transcriber(engine).transcribe({ audio: streamOf(bytes.subarray(0, 20_000), 4096) }),
    (err: unknown) => err instanceof EndpointError && err.code === 'BAD_AUDIO',
  );
});
