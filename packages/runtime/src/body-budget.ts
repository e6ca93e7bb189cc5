import type { ConnectionGuard } from './guard-connections.js';
import { BodyBudgetExceededError } from './read-body.js';
import type { ServerLimits } from './server-limits.js';

/**
 * Memory the server holds per body byte of a one-shot call while it runs, measured: a 30 MiB
 * one-shot call raises the server's RSS by about 150 MiB (the body, the AEAD input copy, the AEAD's
 * own copy, the plaintext, the decoded byte string), so 5. Session messages hold one chunk at a
 * time and are charged for that (docs/runtime-limits.md).
 */
export const HELD_PER_BODY_BYTE = 5;

/** Bytes a request holds from the budgets, given back exactly once by `release`. */
export interface BodyCharge {
  /** Takes `bytes` more (a body without `content-length`); throws BodyBudgetExceededError. */
  grow(bytes: number): void;
  /** Gives back everything this request took. */
  release(): void;
}

interface Lane {
  used: number;
  readonly max: number;
}

/**
 * The call body budgets: a shared one for large bodies, a reserve for small ones (so that a few
 * large or stalled uploads never starve small calls: four stalled 32 MiB uploads made 634 of 712
 * small calls fail), and one per client (remote address). A request is charged up front for its
 * declared length, before a byte is buffered, so a refusal costs nothing.
 */
export class BodyBudget {
  readonly #large: Lane;
  readonly #small: Lane;

  constructor(
    private readonly limits: ServerLimits,
    private readonly guard: ConnectionGuard,
  ) {
    this.#large = { used: 0, max: limits.maxInFlightBodyBytes };
    this.#small = { used: 0, max: limits.smallBodyReserveBytes };
  }

  /** Bytes currently charged, for tests and metrics. */
  get used(): { large: number; small: number } {
    return { large: this.#large.used, small: this.#small.used };
  }

  /**
   * Charges a request from `client` whose body declares `declared` bytes (undefined: chunked, charged
   * as it arrives, from the large lane).
   *
   * @throws BodyBudgetExceededError when a budget is full (nothing is charged then).
   */
  charge(client: string, declared: number | undefined): BodyCharge {
    const small = declared !== undefined && declared <= this.limits.smallBodyBytes;
    const lane = small ? this.#small : this.#large;
    let taken = 0;
    let released = false;
    const take = (bodyBytes: number) => {
      const bytes = bodyBytes * HELD_PER_BODY_BYTE;
      if (released) throw new BodyBudgetExceededError('charged after release');
      if (lane.used + bytes > lane.max) throw new BodyBudgetExceededError('too many bytes in flight');
      if (!this.guard.chargeClient(client, bytes)) {
        throw new BodyBudgetExceededError('too many bytes in flight from this client');
      }
      lane.used += bytes;
      taken += bytes;
    };
    take(declared ?? 0);
    return {
      grow: take,
      release: () => {
        if (released) return;
        released = true;
        lane.used -= taken;
        this.guard.releaseClient(client, taken);
      },
    };
  }
}
