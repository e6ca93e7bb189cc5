import { REPLAY_CACHE_ENTRIES, REPLAY_FUTURE_WINDOW_MS, REPLAY_PAST_WINDOW_MS } from '../constants.js';

/** What {@link ReplayCache.admit} decided about a one-shot call. */
export type ReplayVerdict =
  /** Fresh: remembered now; run it. */
  | 'fresh'
  /** The same `enc` was admitted before: answer 409 replayed. */
  | 'replayed'
  /** `sentAt` is outside the freshness window: answer a sealed `NOT_RUN_STALE` with `serverTime`. */
  | 'stale'
  /**
   * The cache holds `capacity` unexpired entries: answer a PLAIN 503, never a sealed NOT_RUN_BUSY
   * (this `enc` is not remembered, so a copy of it could still run after the client resent).
   */
  | 'full';

/** Options of {@link ReplayCache}. */
export interface ReplayCacheOptions {
  /** Oldest accepted `sentAt`, ms before the server clock. Default: {@link REPLAY_PAST_WINDOW_MS} (300 000). */
  pastWindowMs?: number;
  /** Newest accepted `sentAt`, ms after the server clock. Default: {@link REPLAY_FUTURE_WINDOW_MS} (60 000). */
  futureWindowMs?: number;
  /** Most entries held (about 100 bytes each). Default: {@link REPLAY_CACHE_ENTRIES} (250 000). */
  capacity?: number;
  /** The server clock. Default: `Date.now`. */
  now?: () => number;
}

/**
 * One-shot replay protection (docs/protocol.md §11.6): each HPKE encapsulation `enc` is admitted
 * once, and only while `sentAt` lies in [now − past, now + future]. An admitted `enc` is kept until
 * now + past + future, past which no `sentAt` it could carry is fresh, so a replay is refused as
 * `replayed` while remembered and as `stale` after. Bounded: a full cache refuses (`full`) rather
 * than forgetting an unexpired entry early, which would let that entry's replay run.
 *
 * Call it after the request opened (only authenticated encapsulations enter the cache) and before
 * the handler runs; it is synchronous, so check-and-insert is atomic in JavaScript.
 */
export class ReplayCache {
  /** enc (binary string) → expiry. Insertion order is expiry order (the lifetime is constant). */
  readonly #seen = new Map<string, number>();
  readonly #past: number;
  readonly #future: number;
  readonly #capacity: number;
  readonly #now: () => number;

  constructor(options: ReplayCacheOptions = {}) {
    this.#past = options.pastWindowMs ?? REPLAY_PAST_WINDOW_MS;
    this.#future = options.futureWindowMs ?? REPLAY_FUTURE_WINDOW_MS;
    this.#capacity = options.capacity ?? REPLAY_CACHE_ENTRIES;
    this.#now = options.now ?? Date.now;
    for (const [name, v] of [
      ['pastWindowMs', this.#past],
      ['futureWindowMs', this.#future],
      ['capacity', this.#capacity],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer`);
    }
  }

  /** Entries currently remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /** Decides on one call and, when `fresh`, remembers its `enc`. */
  admit(enc: Uint8Array, sentAt: number): ReplayVerdict {
    const now = this.#now();
    // NaN fails both comparisons; 0, -1e15, 1e308, ±Infinity fall outside.
    if (!(sentAt >= now - this.#past && sentAt <= now + this.#future)) return 'stale';
    this.#sweep(now);
    const id = String.fromCharCode(...enc);
    if (this.#seen.has(id)) return 'replayed';
    if (this.#seen.size >= this.#capacity) return 'full';
    this.#seen.set(id, now + this.#past + this.#future);
    return 'fresh';
  }

  /** Whether a refused-as-stale call can never become fresh (its `sentAt` is in the past). */
  static staleForever(sentAt: number, serverTime: number): boolean {
    return sentAt < serverTime;
  }

  #sweep(now: number): void {
    for (const [id, expiry] of this.#seen) {
      if (expiry > now) return;
      this.#seen.delete(id);
    }
  }
}
