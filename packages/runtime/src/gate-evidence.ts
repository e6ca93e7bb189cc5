/** The evidence queue is full: the caller answers `503` with `retry-after`. */
export class EvidenceBusyError extends Error {
  override readonly name = 'EvidenceBusyError';
}

/**
 * Bounds the evidence requests handed to the attestation provider: at most `inFlight` at once and
 * `queued` waiting. Pipelined or parallel attest requests otherwise each held a pending report (and
 * its reply) with nothing to stop them: 20 connections grew the heap to 4 GB.
 */
export class EvidenceGate {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    private readonly inFlight: number,
    private readonly queued: number,
  ) {}

  /** Runs `task` when a slot is free; rejects with {@link EvidenceBusyError} when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.inFlight) {
      if (this.#waiting.length >= this.queued) throw new EvidenceBusyError('evidence queue full');
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so `#running` stays the same.
      if (next) next();
      else this.#running--;
    }
  }
}
