import { describe, expect, it } from 'vitest';
import { ReplayGuard } from './replay-guard.js';

describe('ReplayGuard', () => {
  it('forgets an encapsulation only once no sentAt it could carry is in the window', () => {
    let now = 1_000_000;
    const guard = new ReplayGuard(
      { replayPastWindowMs: 100, replayFutureWindowMs: 50, replayCacheEntries: 10 },
      () => now,
    );
    const enc = new Uint8Array(32).fill(7);
    // Sent as far ahead as allowed: stays acceptable by sentAt until now + 150.
    expect(guard.check(enc, now + 50)).toBe('fresh');
    now += 149;
    expect(guard.check(enc, now - 99)).toBe('replayed');
    now += 2;
    expect(guard.size).toBe(1);
    // Its own sentAt is out of the window now, so any replay is stale; and the entry is swept.
    expect(guard.check(enc, 1_000_050)).toBe('stale');
    expect(guard.check(new Uint8Array(32), now)).toBe('fresh');
    expect(guard.size).toBe(1);
    expect(guard.check(enc, Number.NaN)).toBe('stale');
  });
});
