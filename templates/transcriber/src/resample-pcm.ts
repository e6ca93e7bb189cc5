/** The sample rate every engine behind `SpeechEngine` receives. */
export const ENGINE_RATE = 16_000;

// Windowed-sinc interpolation: the kernel spans ZERO_CROSSINGS lobes each side of the centre,
// tabulated at TABLE_STEPS points per lobe and read with linear interpolation. 16 lobes with a
// Blackman window give a stop band below -70 dB, far under the 16-bit noise floor that matters here.
const ZERO_CROSSINGS = 16;
const TABLE_STEPS = 512;
// The pass band ends a little under the output Nyquist so that the transition band of the low-pass
// filter lies below it: without that, energy between 7.6 and 8 kHz would alias back into speech.
const CUTOFF = 0.95;

let kernelTable: Float64Array | undefined;

/** sinc(x)·blackman(x / ZERO_CROSSINGS) for x = i / TABLE_STEPS, i = 0 … ZERO_CROSSINGS·TABLE_STEPS. */
function kernel(): Float64Array {
  if (kernelTable) return kernelTable;
  const n = ZERO_CROSSINGS * TABLE_STEPS;
  const table = new Float64Array(n + 2);
  for (let i = 0; i <= n; i++) {
    const x = i / TABLE_STEPS;
    const sinc = i === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const w = 0.5 + 0.5 * (x / ZERO_CROSSINGS); // 0.5 … 1 across the half window
    const blackman = 0.42 - 0.5 * Math.cos(2 * Math.PI * w) + 0.08 * Math.cos(4 * Math.PI * w);
    table[i] = sinc * blackman;
  }
  kernelTable = table;
  return table;
}

/**
 * Mixes interleaved 16-bit PCM down to mono and resamples it to `outRate` (default 16 kHz) with a
 * band-limited (windowed-sinc) interpolator whose cut-off is the lower of the two Nyquist
 * frequencies: downsampling first low-passes, so that nothing above the new Nyquist folds back as
 * aliasing. Reads the interleaved samples directly (no intermediate float copy of a long recording).
 */
export function resampleToMono(
  samples: Int16Array,
  channels: number,
  inRate: number,
  outRate: number = ENGINE_RATE,
): Int16Array {
  const frames = Math.floor(samples.length / channels);
  const mono = (i: number): number => {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c] ?? 0;
    return sum / channels;
  };
  const outFrames = Math.floor((frames * outRate) / inRate);
  const out = new Int16Array(outFrames);
  if (inRate === outRate) {
    for (let i = 0; i < outFrames; i++) out[i] = clip(mono(i));
    return out;
  }
  const table = kernel();
  // Filter scale: 1 when upsampling (cut-off at the input Nyquist), outRate/inRate when downsampling.
  const scale = Math.min(1, outRate / inRate) * CUTOFF;
  const halfWidth = ZERO_CROSSINGS / scale; // in input samples
  const step = inRate / outRate;
  for (let j = 0; j < outFrames; j++) {
    const centre = j * step;
    const first = Math.max(0, Math.ceil(centre - halfWidth));
    const last = Math.min(frames - 1, Math.floor(centre + halfWidth));
    let acc = 0;
    for (let i = first; i <= last; i++) {
      const pos = Math.abs(i - centre) * scale * TABLE_STEPS;
      const k = Math.floor(pos);
      if (k >= ZERO_CROSSINGS * TABLE_STEPS) continue;
      const frac = pos - k;
      acc += mono(i) * ((table[k] ?? 0) * (1 - frac) + (table[k + 1] ?? 0) * frac);
    }
    out[j] = clip(acc * scale);
  }
  return out;
}

function clip(v: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(v)));
}
