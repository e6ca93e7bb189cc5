import type { ServerLimits } from './server-limits.js';

/** Why a one-shot call was refused before its handler ran. */
export type ReplayVerdict = 'fresh' | 'replayed' | 'stale' | 'full';

/**
 * One-shot replay protection (issue: a captured sealed call resent five times ran the handler five
 * times). A call is accepted once per HPKE encapsulation `enc` (every sealed call draws a fresh
 * ephemeral key, and a body whose `enc` was altered does not open) and only while its `sentAt` lies
 * in the window [now − past, now + future]. Each accepted `enc` is remembered until no `sentAt` it
 * could carry is still in the window, so a replay is refused either as `replayed` (remembered) or
 * `stale` (outside the window). The memory is bounded: when `replayCacheEntries` unexpired entries are
 * held, new calls get `full` (answered 503, retryable) rather than forgetting an entry early.
 */
export class ReplayGuard {
  /** enc (hex) → expiry (ms). Insertion order is expiry order: every entry lives past + future. */
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly limits: Pick<
      ServerLimits,
      'replayPastWindowMs' | 'replayFutureWindowMs' | 'replayCacheEntries'
    >,
    private readonly now: () => number = Date.now,
  ) {}

  /** Entries currently remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /** Checks a call and, when fresh, remembers it. */
  check(enc: Uint8Array, sentAt: number): ReplayVerdict {
    const now = this.now();
    // sentAt 0, -1e15, 1e308, NaN: all fall outside the window (NaN fails both comparisons).
    if (
      !(sentAt >= now - this.limits.replayPastWindowMs && sentAt <= now + this.limits.replayFutureWindowMs)
    ) {
      return 'stale';
    }
    this.#sweep(now);
    const id = Buffer.from(enc.buffer, enc.byteOffset, enc.byteLength).toString('hex');
    if (this.#seen.has(id)) return 'replayed';
    if (this.#seen.size >= this.limits.replayCacheEntries) return 'full';
    // sentAt ≤ now + future, so sentAt + past ≤ now + future + past: the entry outlives the window.
    this.#seen.set(id, now + this.limits.replayPastWindowMs + this.limits.replayFutureWindowMs);
    return 'fresh';
  }

  #sweep(now: number): void {
    for (const [id, expiry] of this.#seen) {
      if (expiry > now) return;
      this.#seen.delete(id);
    }
  }
}
