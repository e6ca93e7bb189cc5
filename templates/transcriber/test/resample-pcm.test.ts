import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MonoResampler, resampleToMono } from '../src/resample-pcm.ts';

function tone(hz: number, rate: number, seconds: number, amplitude = 10_000, channels = 1): Int16Array {
  const frames = Math.round(rate * seconds);
  const out = new Int16Array(frames * channels);
  for (let i = 0; i < frames; i++)
    for (let c = 0; c < channels; c++)
      out[i * channels + c] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/** RMS over the middle of the signal (the ends carry the filter's edge effects). */
function rms(x: Int16Array): number {
  let sum = 0;
  const from = Math.floor(x.length * 0.1);
  const to = Math.floor(x.length * 0.9);
  for (let i = from; i < to; i++) sum += (x[i] ?? 0) ** 2;
  return Math.sqrt(sum / (to - from));
}

/** Amplitude of one frequency by correlation (a single DFT bin). */
function amplitudeAt(x: Int16Array, hz: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += (x[i] ?? 0) * Math.cos((2 * Math.PI * hz * i) / rate);
    im += (x[i] ?? 0) * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

test('a 1 kHz tone keeps its frequency and level through 44.1 → 16 kHz and 8 → 16 kHz', () => {
  for (const rate of [44_100, 48_000, 22_050, 8000]) {
    const out = resampleToMono(tone(1000, rate, 1), 1, rate);
    assert.equal(out.length, 16_000, `length from ${rate}`);
    const level = amplitudeAt(out, 1000, 16_000);
    assert.ok(Math.abs(level - 10_000) < 150, `1 kHz level from ${rate} Hz: ${level}`);
  }
});

test('downsampling low-passes: a 12 kHz tone at 48 kHz does not alias to 4 kHz', () => {
  const out = resampleToMono(tone(12_000, 48_000, 1), 1, 48_000);
  // Without a low-pass, 12 kHz folds to 16 - 12 = 4 kHz at full level.
  assert.ok(amplitudeAt(out, 4000, 16_000) < 10, `aliased level ${amplitudeAt(out, 4000, 16_000)}`);
  assert.ok(rms(out) < 30, `residual rms ${rms(out)}`);
  // The check can fail: naive decimation (every third sample) aliases it at full level.
  const input = tone(12_000, 48_000, 1);
  const naive = new Int16Array(16_000).map((_, i) => input[i * 3] ?? 0);
  assert.ok(amplitudeAt(naive, 4000, 16_000) > 5000);
});

test('stereo is mixed to mono, and 16 kHz mono passes through unchanged', () => {
  const stereo = tone(500, 16_000, 0.5, 8000, 2);
  for (let i = 1; i < stereo.length; i += 2) stereo[i] = 0; // right channel silent
  const mono = resampleToMono(stereo, 2, 16_000);
  assert.equal(mono.length, 8000);
  assert.ok(Math.abs(amplitudeAt(mono, 500, 16_000) - 4000) < 20);
  const same = tone(300, 16_000, 0.2);
  assert.deepEqual(resampleToMono(same, 1, 16_000), same);
});

test('pieces of any size give the same samples as the whole recording, bit for bit', () => {
  for (const [rate, channels] of [
    [44_100, 1],
    [48_000, 2],
    [8000, 1],
    [16_000, 2],
  ] as const) {
    const input = tone(700, rate, 0.7, 9000, channels);
    for (let i = 0; i < input.length; i += 3) input[i] = (input[i] ?? 0) + ((i * 31) % 2000) - 1000;
    const whole = resampleToMono(input, channels, rate);
    const resampler = new MonoResampler(channels, rate);
    const pieces: number[] = [];
    const frames = input.length / channels;
    for (let at = 0, k = 1; at < frames; at += k, k = 1 + ((k * 7 + 3) % 3001))
      pieces.push(...resampler.push(input.subarray(at * channels, Math.min(frames, at + k) * channels)));
    pieces.push(...resampler.end());
    assert.deepEqual(Int16Array.from(pieces), whole, `${rate} Hz × ${channels}`);
  }
});
