import { concatBytes } from '@blindbox/bytes';

/**
 * Reads exact byte counts from a source that yields pieces of any sizes (an HTTP body), holding at
 * most what was asked for plus one piece.
 */
export class ByteReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  #pieces: Uint8Array[] = [];
  #buffered = 0;
  #done = false;

  constructor(source: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>) {
    if (source instanceof Uint8Array) {
      this.#pieces = [source];
      this.#buffered = source.length;
      this.#done = true;
      this.#iterator = { next: async () => ({ done: true, value: undefined }) };
    } else if (Symbol.asyncIterator in source) {
      this.#iterator = source[Symbol.asyncIterator]();
    } else {
      const it = source[Symbol.iterator]();
      this.#iterator = { next: async () => it.next() };
    }
  }

  /** Whether the source holds more bytes (reads ahead one piece when needed). */
  async hasMore(): Promise<boolean> {
    while (this.#buffered === 0 && !this.#done) await this.#pull();
    return this.#buffered > 0;
  }

  /** Exactly `n` bytes, or `undefined` when the source ends first (after `got` bytes). */
  async read(n: number): Promise<Uint8Array | undefined> {
    const pieces = await this.readPieces(n);
    if (pieces === undefined) return undefined;
    // A view when one piece holds them all, else copied into one buffer.
    if (pieces.length <= 1) return pieces[0] ?? new Uint8Array(0);
    return concatBytes(...pieces);
  }

  /**
   * Exactly `n` bytes as views of the pieces that hold them (nothing copied), or `undefined` when
   * the source ends first. The views are valid as long as the source leaves its pieces unchanged.
   */
  async readPieces(n: number): Promise<Uint8Array[] | undefined> {
    while (this.#buffered < n && !this.#done) await this.#pull();
    if (this.#buffered < n) return undefined;
    const out: Uint8Array[] = [];
    for (let left = n; left > 0; ) {
      const piece = this.#pieces[0] as Uint8Array;
      const take = Math.min(piece.length, left);
      out.push(take === piece.length ? piece : piece.subarray(0, take));
      this.#consume(take);
      left -= take;
    }
    return out;
  }

  /** Everything not yet read, piece by piece as it arrives. */
  async *rest(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.#buffered === 0) {
        if (this.#done) return;
        await this.#pull();
        continue;
      }
      const piece = this.#pieces.shift() as Uint8Array;
      this.#buffered -= piece.length;
      yield piece;
    }
  }

  /** Stops the source (e.g. closes the HTTP body) when the reader gives up early. */
  async cancel(): Promise<void> {
    this.#done = true;
    this.#pieces = [];
    this.#buffered = 0;
    await this.#iterator.return?.();
  }

  #consume(n: number): void {
    const piece = this.#pieces[0] as Uint8Array;
    if (n === piece.length) this.#pieces.shift();
    else this.#pieces[0] = piece.subarray(n);
    this.#buffered -= n;
  }

  async #pull(): Promise<void> {
    const next = await this.#iterator.next();
    if (next.done) {
      this.#done = true;
      return;
    }
    if (!(next.value instanceof Uint8Array))
      throw new TypeError('a byte stream must yield Uint8Array pieces');
    if (next.value.length > 0) {
      this.#pieces.push(next.value);
      this.#buffered += next.value.length;
    }
  }
}
