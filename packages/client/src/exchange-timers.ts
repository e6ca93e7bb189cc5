import type { TimeoutPhase } from './client-error.js';

/**
 * The timers of one exchange: each phase armed and disarmed as the exchange moves on; the first to
 * elapse is remembered as `phase` and calls `onElapsed` (which aborts the exchange).
 */
export class ExchangeTimers {
  phase: TimeoutPhase | undefined;
  readonly #timers = new Map<TimeoutPhase, ReturnType<typeof setTimeout>>();
  readonly #onElapsed: () => void;

  constructor(onElapsed: () => void) {
    this.#onElapsed = onElapsed;
  }

  arm(p: TimeoutPhase, ms: number): void {
    const armed = this.#timers.get(p);
    // The body timeout is re-armed for every piece: Node's timers can be refreshed in place.
    if (
      p === 'body' &&
      armed !== undefined &&
      typeof (armed as { refresh?: unknown }).refresh === 'function'
    ) {
      (armed as unknown as { refresh(): void }).refresh();
      return;
    }
    clearTimeout(armed);
    this.#timers.set(
      p,
      setTimeout(() => {
        this.phase ??= p;
        this.#onElapsed();
      }, ms),
    );
  }

  disarm(p: TimeoutPhase): void {
    clearTimeout(this.#timers.get(p));
  }

  disarmAll(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
  }
}
