import { SESSION_WINDOW } from '../constants.js';

/**
 * The anti-replay window of one session (docs/protocol.md §11.6), as IPsec ESP (RFC 4303 §3.4.3)
 * and DTLS (RFC 6347 §4.1.2.6) keep theirs: the highest admitted sequence number and a bitmap of
 * the `size` numbers below it. Out-of-order arrival inside the window is fine (concurrent calls);
 * a number seen before, or older than the window, is refused. Memory: size / 8 bytes.
 *
 * Use {@link check} before the (costly) decryption and {@link admit} after the message
 * authenticated, so that a forged message can neither burn a number nor slide the window; `admit`
 * checks again, because a concurrent copy may have been admitted while this one was decrypted.
 */
export class ReplayWindow {
  readonly size: number;
  readonly #bits: Uint32Array;
  #highest = -1;

  /** @param size - window length in messages, a multiple of 32. Default: {@link SESSION_WINDOW} (1024). */
  constructor(size: number = SESSION_WINDOW) {
    if (!Number.isInteger(size) || size < 32 || size % 32 !== 0)
      throw new RangeError('the window size must be a multiple of 32');
    this.size = size;
    this.#bits = new Uint32Array(size / 32);
  }

  /** The highest admitted sequence number (-1 before the first). */
  get highest(): number {
    return this.#highest;
  }

  /** Whether `seq` would be admitted now (it records nothing). */
  check(seq: number): boolean {
    if (!Number.isSafeInteger(seq) || seq < 0) return false;
    if (seq > this.#highest) return true;
    if (seq <= this.#highest - this.size) return false;
    return !this.#get(seq);
  }

  /** Admits `seq` when it is new and inside (or above) the window; false when refused. */
  admit(seq: number): boolean {
    if (!this.check(seq)) return false;
    if (seq > this.#highest) {
      if (seq - this.#highest >= this.size) this.#bits.fill(0);
      else for (let s = this.#highest + 1; s <= seq; s++) this.#set(s, false);
      this.#highest = seq;
    }
    this.#set(seq, true);
    return true;
  }

  #get(seq: number): boolean {
    const slot = seq % this.size;
    return ((this.#bits[slot >>> 5] as number) & (1 << (slot & 31))) !== 0;
  }

  #set(seq: number, on: boolean): void {
    const slot = seq % this.size;
    const word = slot >>> 5;
    const mask = 1 << (slot & 31);
    this.#bits[word] = on ? (this.#bits[word] as number) | mask : (this.#bits[word] as number) & ~mask;
  }
}
