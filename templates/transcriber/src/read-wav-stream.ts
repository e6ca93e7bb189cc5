import { EndpointError } from '@blindbox/sdk';

/** A 16-bit PCM WAV whose samples are still arriving. */
export interface WavStream {
  sampleRate: number;
  channels: number;
  /** Frames the data chunk announces (its size / block size). */
  frames: number;
  /** The interleaved samples, in pieces of whole frames, as the bytes arrive. */
  samples: AsyncIterable<Int16Array>;
}

/** The longest `fmt ` chunk read (16, 18 or 40 bytes in practice): a bigger one is not a WAV we accept. */
const MAX_FORMAT_BYTES = 4096;

/**
 * Reads a RIFF/WAVE file of 16-bit PCM samples as it streams in: the header first (every chunk
 * before `data` is skipped without being held), then the samples, piece by piece, with odd bytes
 * and partial frames carried to the next piece. Memory stays at one piece, whatever the length.
 * Same rules as {@link readWav}: a data chunk that runs past the end of the stream is `BAD_AUDIO`
 * (detected when the stream ends early), and bytes after the data chunk are not read.
 */
export async function openWavStream(source: AsyncIterable<Uint8Array>): Promise<WavStream> {
  const input = new ByteReader(source[Symbol.asyncIterator]());
  const riff = await input.exactly(12, 'not a RIFF/WAVE file');
  if (ascii(riff, 0) !== 'RIFF' || ascii(riff, 8) !== 'WAVE') bad('not a RIFF/WAVE file');
  let format: { channels: number; sampleRate: number } | undefined;
  for (;;) {
    const header = await input.exactly(8, 'no data chunk');
    const id = ascii(header, 0);
    const size = new DataView(header.buffer, header.byteOffset, 8).getUint32(4, true);
    if (id === 'data') {
      if (!format) bad('the data chunk comes before the fmt chunk');
      const frames = Math.floor(size / 2 / format.channels);
      return { ...format, frames, samples: samplesOf(input, frames * 2 * format.channels, format.channels) };
    }
    if (id === 'fmt ') {
      if (size > MAX_FORMAT_BYTES) bad('the fmt chunk is too long');
      format = readFormat(await input.exactly(size, `the ${id} chunk runs past the end of the file`));
      if (size % 2) await input.skip(1, 'the fmt chunk runs past the end of the file');
    } else {
      await input.skip(size + (size % 2), `the ${id} chunk runs past the end of the file`);
    }
  }
}

async function* samplesOf(input: ByteReader, bytes: number, channels: number): AsyncGenerator<Int16Array> {
  const frameBytes = 2 * channels;
  let carry: Uint8Array = new Uint8Array(0);
  let left = bytes;
  try {
    while (left > 0) {
      const piece = await input.upTo(left, 'the data chunk runs past the end of the file');
      left -= piece.length;
      const joined = carry.length === 0 ? piece : concat(carry, piece);
      const whole = joined.length - (joined.length % frameBytes);
      carry = joined.slice(whole);
      if (whole === 0) continue;
      const view = new DataView(joined.buffer, joined.byteOffset, whole);
      const out = new Int16Array(whole / 2);
      for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
      yield out;
    }
  } finally {
    await input.close();
  }
}

function readFormat(body: Uint8Array): { channels: number; sampleRate: number } {
  if (body.length < 16) bad('the fmt chunk is too short');
  const view = new DataView(body.buffer, body.byteOffset, body.length);
  if (view.getUint16(0, true) !== 1 || view.getUint16(14, true) !== 16)
    bad('only 16-bit PCM WAV is supported');
  const format = { channels: view.getUint16(2, true), sampleRate: view.getUint32(4, true) };
  if (format.channels < 1 || format.sampleRate < 1) bad('no channels or no sample rate');
  return format;
}

/** Reads exact byte counts from an async iterator of pieces, holding at most one piece. */
class ByteReader {
  #pending: Uint8Array = new Uint8Array(0);
  constructor(readonly iterator: AsyncIterator<Uint8Array>) {}

  async #fill(why: string): Promise<void> {
    while (this.#pending.length === 0) {
      const next = await this.iterator.next();
      if (next.done) bad(why);
      if (!(next.value instanceof Uint8Array)) bad('the audio stream yielded something other than bytes');
      this.#pending = next.value;
    }
  }

  /** Between 1 and `max` bytes: what is already there, or the next piece. */
  async upTo(max: number, why: string): Promise<Uint8Array> {
    await this.#fill(why);
    const out = this.#pending.subarray(0, max);
    this.#pending = this.#pending.subarray(out.length);
    return out;
  }

  async exactly(n: number, why: string): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for (let got = 0; got < n; ) {
      const part = await this.upTo(n - got, why);
      parts.push(part);
      got += part.length;
    }
    return parts.length === 1 ? (parts[0] as Uint8Array) : concat(...parts);
  }

  async skip(n: number, why: string): Promise<void> {
    for (let left = n; left > 0; ) left -= (await this.upTo(left, why)).length;
  }

  /** Stops reading: the rest of the stream (after the data chunk) is not needed. */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

function bad(message: string): never {
  throw new EndpointError('BAD_AUDIO', message, { path: '/audio' });
}
