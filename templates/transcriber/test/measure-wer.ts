import { Transcriber } from '../src/transcriber.ts';
import { CLINICAL_SENTENCES } from './clinical-sentences.ts';
import { streamOf } from './stream-of.ts';
import { synthesize } from './synthesize-speech.ts';
import { wordErrorRate } from './word-error-rate.ts';

/** How each sentence is delivered: most at espeak-ng's own 22 050 Hz, some converted to exercise resampling. */
export function formatFor(index: number): { rate?: number; channels?: number } {
  if (index % 4 === 1) return { rate: 44_100 };
  if (index % 4 === 2) return { rate: 48_000, channels: 2 };
  if (index % 4 === 3) return { rate: 16_000 };
  return {};
}

export interface WerMeasurement {
  /** Corpus WER of the transcripts against their own sentences. */
  wer: number;
  /** The same transcripts against the references rotated by one: what an engine that hears nothing useful scores. */
  shuffledWer: number;
  /** Seconds of recognition (resampling included) per second of audio. */
  realTimeFactor: number;
  audioSeconds: number;
  results: { reference: string; hypothesis: string; rate: number }[];
}

/** Synthesizes every clinical sentence, transcribes it through the handler, and scores it. */
export async function measureWer(transcriber = new Transcriber()): Promise<WerMeasurement> {
  const results: WerMeasurement['results'] = [];
  let audioSeconds = 0;
  let busyMs = 0;
  for (const [i, reference] of CLINICAL_SENTENCES.entries()) {
    const format = formatFor(i);
    const audio = synthesize(reference, format);
    const started = performance.now();
    const out = await transcriber.transcribe({ audio: streamOf(audio) });
    busyMs += performance.now() - started;
    audioSeconds += out.durationSeconds;
    results.push({ reference, hypothesis: out.text, rate: format.rate ?? 22_050 });
  }
  const rotated = results.map((r, i) => ({
    reference: results[(i + 1) % results.length]?.reference ?? '',
    hypothesis: r.hypothesis,
  }));
  return {
    wer: wordErrorRate(results),
    shuffledWer: wordErrorRate(rotated),
    realTimeFactor: busyMs / 1000 / audioSeconds,
    audioSeconds,
    results,
  };
}
