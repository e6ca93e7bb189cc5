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
 * aliasing. The whole recording at once: {@link MonoResampler} on one piece.
 */
export function resampleToMono(
  samples: Int16Array,
  channels: number,
  inRate: number,
  outRate: number = ENGINE_RATE,
): Int16Array {
  const resampler = new MonoResampler(channels, inRate, outRate);
  const head = resampler.push(samples.subarray(0, Math.floor(samples.length / channels) * channels));
  const tail = resampler.end();
  const out = new Int16Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/**
 * The same resampler over a recording that arrives in pieces (a streamed upload): it holds only the
 * input the filter still needs (about ±50 samples at 48 kHz, plus one piece), so its memory does not
 * grow with the recording. Pieces in, same output as one call on the whole recording, bit for bit.
 */
export class MonoResampler {
  readonly #channels: number;
  readonly #inRate: number;
  readonly #outRate: number;
  readonly #scale: number;
  readonly #halfWidth: number;
  readonly #step: number;
  /** Mono input samples from absolute index `#base` on. */
  #held = new Float64Array(1024);
  #heldLength = 0;
  #base = 0;
  /** Input frames received so far, and the next output index. */
  #received = 0;
  #next = 0;

  constructor(channels: number, inRate: number, outRate: number = ENGINE_RATE) {
    this.#channels = channels;
    this.#inRate = inRate;
    this.#outRate = outRate;
    // Filter scale: 1 when upsampling (cut-off at the input Nyquist), outRate/inRate when downsampling.
    this.#scale = Math.min(1, outRate / inRate) * CUTOFF;
    this.#halfWidth = ZERO_CROSSINGS / this.#scale; // in input samples
    this.#step = inRate / outRate;
  }

  /** Takes interleaved whole frames; returns the output samples they complete. */
  push(interleaved: Int16Array): Int16Array {
    const channels = this.#channels;
    const frames = interleaved.length / channels;
    if (!Number.isInteger(frames)) throw new RangeError('push whole frames only');
    this.#reserve(frames);
    for (let f = 0; f < frames; f++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += interleaved[f * channels + c] ?? 0;
      this.#held[this.#heldLength++] = sum / channels;
    }
    this.#received += frames;
    return this.#emit(false);
  }

  /** The last output samples, once the input has ended. */
  end(): Int16Array {
    return this.#emit(true);
  }

  #emit(ended: boolean): Int16Array {
    const total = Math.floor((this.#received * this.#outRate) / this.#inRate);
    const out: number[] = [];
    const same = this.#inRate === this.#outRate;
    for (; this.#next < total; this.#next++) {
      const centre = this.#next * this.#step;
      const last = same ? this.#next : Math.floor(centre + this.#halfWidth);
      if (!ended && last >= this.#received) break;
      out.push(same ? clip(this.#at(this.#next)) : this.#filter(centre));
    }
    this.#drop(same ? this.#next : Math.ceil(this.#next * this.#step - this.#halfWidth));
    return Int16Array.from(out);
  }

  #filter(centre: number): number {
    const table = kernel();
    const scale = this.#scale;
    const first = Math.max(0, Math.ceil(centre - this.#halfWidth));
    const last = Math.min(this.#received - 1, Math.floor(centre + this.#halfWidth));
    let acc = 0;
    for (let i = first; i <= last; i++) {
      const pos = Math.abs(i - centre) * scale * TABLE_STEPS;
      const k = Math.floor(pos);
      if (k >= ZERO_CROSSINGS * TABLE_STEPS) continue;
      const frac = pos - k;
      acc += this.#at(i) * ((table[k] ?? 0) * (1 - frac) + (table[k + 1] ?? 0) * frac);
    }
    return clip(acc * scale);
  }

  #at(i: number): number {
    return this.#held[i - this.#base] ?? 0;
  }

  /** Forgets input before absolute index `keepFrom` (no later output reads it). */
  #drop(keepFrom: number): void {
    const n = Math.min(this.#heldLength, Math.max(0, keepFrom - this.#base));
    if (n === 0) return;
    this.#held.copyWithin(0, n, this.#heldLength);
    this.#heldLength -= n;
    this.#base += n;
  }

  #reserve(frames: number): void {
    if (this.#heldLength + frames <= this.#held.length) return;
    const grown = new Float64Array(Math.max(this.#held.length * 2, this.#heldLength + frames));
    grown.set(this.#held.subarray(0, this.#heldLength));
    this.#held = grown;
  }
}

function clip(v: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(v)));
}
