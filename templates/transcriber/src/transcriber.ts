import { type ByteStream, EndpointError, enclave, endpoint } from '@blindbox/sdk';
import { PocketsphinxEngine } from './pocketsphinx-engine.js';
import { readWav } from './read-wav.js';
import { openWavStream } from './read-wav-stream.js';
import { applyMarks, redactTokens } from './redact-identifiers.js';
import { ENGINE_RATE, MonoResampler } from './resample-pcm.js';
import type { Segment, SpeechEngine } from './speech-engine.js';

/** The longest recording one call accepts, in seconds: bounds the enclave's memory per call. */
const MAX_SECONDS = 600;

/**
 * Transcribes audio inside a TEE. The speech engine runs in the enclave's own process tree, and its
 * binary and model are files of the measured image (see the README): neither the audio nor the
 * transcript is ever visible to the vendor's operators, and `redact` strips obvious identifiers
 * before the text is sealed back to the caller.
 */
@enclave({ name: 'transcriber' })
export class Transcriber {
  readonly #engine: SpeechEngine;

  /** `engine` defaults to pocketsphinx from the image; a vendor passes whisper.cpp or another here. */
  constructor(engine: SpeechEngine = new PocketsphinxEngine()) {
    this.#engine = engine;
  }

  /**
   * `audio` streams: the generated client takes a `Uint8Array`, a `ReadableStream` or an async
   * iterable, and the enclave decodes, resamples and feeds the engine as the sealed chunks arrive,
   * so neither side holds the recording whole (the largest accepted: 600 s of 192 kHz stereo).
   */
  @endpoint({ maxInputBytes: 461_000_000 })
  async transcribe(req: { audio: ByteStream; language?: 'en'; format?: 'wav'; redact?: boolean }): Promise<{
    text: string;
    segments: { start: number; end: number; text: string }[];
    durationSeconds: number;
  }> {
    if ((req.language ?? 'en') !== 'en')
      throw new EndpointError('UNSUPPORTED_LANGUAGE', 'only English (en) is installed', {
        path: '/language',
      });
    if ((req.format ?? 'wav') !== 'wav')
      throw new EndpointError('UNSUPPORTED_FORMAT', 'only 16-bit PCM WAV is accepted', { path: '/format' });
    // The header decides before the engine starts: a recording too long or at a strange rate is
    // refused after its first bytes, not after a 400 MB upload.
    const wav = await openWavStream(req.audio);
    const durationSeconds = wav.frames / wav.sampleRate;
    checkDuration(durationSeconds);
    if (wav.sampleRate < 8000 || wav.sampleRate > 192_000)
      throw new EndpointError('BAD_AUDIO', `sample rate ${wav.sampleRate} Hz is outside 8–192 kHz`, {
        path: '/audio',
      });
    const heard = await this.#engine.transcribe(
      to16k(wav.samples, wav.channels, wav.sampleRate),
      durationSeconds,
    );
    const segments = req.redact ? redactSegments(heard.segments) : heard.segments;
    const text = req.redact ? segments.map((s) => s.text).join(' ') : heard.text;
    return { text, segments, durationSeconds };
  }

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
    checkDuration(durationMs / 1000);
    return {
      language: req.language ?? 'en',
      sampleRate: wav.sampleRate,
      channels: wav.channels,
      durationMs,
      speechMs: speechMilliseconds(wav.samples, wav.sampleRate, wav.channels),
    };
  }
}

/** Interleaved pieces at any rate → 16 kHz mono pieces, one resampler for the whole recording. */
async function* to16k(
  pieces: AsyncIterable<Int16Array>,
  channels: number,
  rate: number,
): AsyncGenerator<Int16Array> {
  const resampler = new MonoResampler(channels, rate, ENGINE_RATE);
  for await (const piece of pieces) {
    const out = resampler.push(piece);
    if (out.length > 0) yield out;
  }
  const last = resampler.end();
  if (last.length > 0) yield last;
}

function checkDuration(seconds: number): void {
  if (seconds > MAX_SECONDS)
    throw new EndpointError('AUDIO_TOO_LONG', `at most ${MAX_SECONDS} s per call`, { path: '/audio' });
}

/**
 * Redacts over the words of all segments at once, so that "patient" at the end of one segment and
 * the name at the start of the next are still caught, then cuts the result back into segments.
 */
export function redactSegments(segments: readonly Segment[]): Segment[] {
  const perSegment = segments.map((s) => s.text.split(/\s+/).filter((t) => t !== ''));
  const marks = redactTokens(perSegment.flat());
  let at = 0;
  return segments.map((s, i) => {
    const tokens = perSegment[i] ?? [];
    const own = marks.slice(at, at + tokens.length);
    at += tokens.length;
    return { start: s.start, end: s.end, text: applyMarks(tokens, own) };
  });
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
