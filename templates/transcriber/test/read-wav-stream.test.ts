import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndpointError } from '@blindbox/sdk';
import { readWav } from '../src/read-wav.ts';
import { openWavStream } from '../src/read-wav-stream.ts';
import { streamOf } from './stream-of.ts';

/** A 16-bit PCM WAV with an odd-sized LIST chunk before `data` (padded), and noise samples. */
function wavWithList(frames: number, channels: number, rate: number): Uint8Array {
  const list = 5; // odd: one pad byte follows
  const data = frames * channels * 2;
  const out = new Uint8Array(12 + 24 + 8 + list + 1 + 8 + data);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'LIST');
  view.setUint32(40, list, true);
  const dataAt = 36 + 8 + list + 1;
  ascii(dataAt, 'data');
  view.setUint32(dataAt + 4, data, true);
  for (let i = 0; i < frames * channels; i++)
    view.setInt16(dataAt + 8 + i * 2, ((i * 7919) % 65536) - 32768, true);
  return out;
}

async function readAll(bytes: Uint8Array, piece: number) {
  const wav = await openWavStream(streamOf(bytes, piece));
  const pieces: Int16Array[] = [];
  for await (const p of wav.samples) {
    assert.equal(p.length % wav.channels, 0, 'whole frames only');
    pieces.push(p);
  }
  return { ...wav, samples: Int16Array.from(pieces.flatMap((p) => [...p])) };
}

test('streamed in pieces of any size (1 byte, odd, whole), the samples are those of the whole file', async () => {
  const bytes = wavWithList(3001, 3, 22_050);
  const whole = readWav(bytes);
  for (const piece of [1, 7, 1000, 4096, bytes.length]) {
    const got = await readAll(bytes, piece);
    assert.equal(got.sampleRate, 22_050);
    assert.equal(got.channels, 3);
    assert.equal(got.frames, 3001);
    assert.deepEqual(got.samples, whole.samples, `pieces of ${piece}`);
  }
});

test('a cut upload, a fmt chunk after data, and a non-WAV are BAD_AUDIO', async () => {
  const isBad = (err: unknown) => err instanceof EndpointError && err.code === 'BAD_AUDIO';
  const bytes = wavWithList(1000, 1, 16_000);
  await assert.rejects(readAll(bytes.subarray(0, bytes.length - 1), 100), isBad);
  await assert.rejects(readAll(bytes.subarray(0, 40), 100), isBad);
  await assert.rejects(readAll(new TextEncoder().encode('RIFF....WAVEdata\0\0\0\0'), 3), isBad);
  await assert.rejects(readAll(new TextEncoder().encode('hello, not audio'), 5), isBad);
});

test('the header is read without the samples: the rest of the stream is not pulled until asked', async () => {
  const bytes = wavWithList(16_000, 1, 16_000);
  let pulled = 0;
  const source = (async function* () {
    for (let at = 0; at < bytes.length; at += 64) {
      pulled = at + 64;
      yield bytes.subarray(at, at + 64);
    }
  })();
  const wav = await openWavStream(source);
  assert.equal(wav.frames, 16_000);
  assert.ok(pulled <= 128, `pulled ${pulled} bytes for a 58-byte header`);
});
