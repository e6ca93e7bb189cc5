import { spawnSync } from 'node:child_process';

/** Whether a program is on PATH (the test skips only outside CI when these are missing). */
export function haveProgram(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** The espeak-ng voice: the Klatt formant variant of US English (the stock voice's buzz confuses the model more). */
export const VOICE = 'en-us+klatt2';

/**
 * Speaks `text` with espeak-ng (22 050 Hz mono WAV), then, if `rate` or `channels` differ, converts it
 * with sox, so that the transcriber's own resampler has other rates to work on.
 */
export function synthesize(
  text: string,
  options: { rate?: number; channels?: number; wpm?: number } = {},
): Uint8Array {
  const spoken = spawnSync('espeak-ng', ['-v', VOICE, '-s', String(options.wpm ?? 140), '--stdout', text], {
    maxBuffer: 1 << 30,
  });
  if (spoken.status !== 0) throw new Error(`espeak-ng failed: ${spoken.stderr}`);
  let wav: Buffer = spoken.stdout;
  if (options.rate !== undefined || options.channels !== undefined) {
    const converted = spawnSync(
      'sox',
      [
        '-t',
        'wav',
        '-',
        '-t',
        'wav',
        '-b',
        '16',
        '-e',
        'signed-integer',
        '-r',
        String(options.rate ?? 22_050),
        '-c',
        String(options.channels ?? 1),
        '-',
      ],
      { input: wav, maxBuffer: 1 << 30 },
    );
    if (converted.status !== 0) throw new Error(`sox failed: ${converted.stderr}`);
    wav = converted.stdout;
  }
  return fixStreamedSizes(new Uint8Array(wav.buffer, wav.byteOffset, wav.byteLength));
}

/**
 * espeak-ng and sox writing to a pipe cannot seek back to fill in the RIFF and data sizes, and leave
 * them as 0x7fffffff or 0: set them from the real length, as a file on disk would have them.
 */
function fixStreamedSizes(wav: Uint8Array): Uint8Array {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  view.setUint32(4, wav.length - 8, true);
  for (let at = 12; at + 8 <= wav.length; ) {
    const id = String.fromCharCode(...wav.subarray(at, at + 4));
    if (id === 'data') {
      view.setUint32(at + 4, wav.length - at - 8, true);
      return wav;
    }
    at += 8 + view.getUint32(at + 4, true);
  }
  throw new Error('synthesized audio has no data chunk');
}
