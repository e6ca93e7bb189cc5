import { EndpointError } from '@blindbox/sdk';

/** A decoded PCM WAV file: 16-bit little-endian samples, interleaved. */
export interface Wav {
  sampleRate: number;
  channels: number;
  frames: number;
  samples: Int16Array;
}

/**
 * Reads a RIFF/WAVE file with 16-bit PCM samples. Every length is checked against the buffer before
 * it is used: the bytes come from the caller, and a lying chunk size must not read past the end.
 */
export function readWav(bytes: Uint8Array): Wav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') bad('not a RIFF/WAVE file');
  let format: { channels: number; sampleRate: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (body + size > bytes.length) bad(`the ${id} chunk runs past the end of the file`);
    if (id === 'fmt ') format = readFormat(view, body, size);
    else if (id === 'data') {
      if (!format) bad('the data chunk comes before the fmt chunk');
      const samples = new Int16Array(Math.floor(size / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(body + i * 2, true);
      return { ...format, frames: Math.floor(samples.length / format.channels), samples };
    }
    at = body + size + (size % 2); // chunks are padded to an even size
  }
  return bad('no data chunk');
}

function readFormat(view: DataView, body: number, size: number): { channels: number; sampleRate: number } {
  if (size < 16) bad('the fmt chunk is too short');
  if (view.getUint16(body, true) !== 1 || view.getUint16(body + 14, true) !== 16)
    bad('only 16-bit PCM WAV is supported');
  const format = { channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true) };
  if (format.channels < 1 || format.sampleRate < 1) bad('no channels or no sample rate');
  return format;
}

function bad(message: string): never {
  throw new EndpointError('BAD_AUDIO', message, { path: '/audio' });
}
