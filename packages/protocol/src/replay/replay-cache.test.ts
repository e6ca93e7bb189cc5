import { describe, expect, it } from 'vitest';
import { ReplayCache } from './replay-cache.js';

const enc = (n: number): Uint8Array => new Uint8Array(32).fill(n);

describe('ReplayCache', () => {
  it('admits an encapsulation once and refuses its replays', () => {
    let now = 1_000_000_000_000;
    const cache = new ReplayCache({ now: () => now });
    expect(cache.admit(enc(1), now)).toBe('fresh');
    for (let i = 0; i < 5; i++) expect(cache.admit(enc(1), now)).toBe('replayed');
    expect(cache.admit(enc(2), now)).toBe('fresh');
    now += 299_000;
    expect(cache.admit(enc(1), now - 299_000)).toBe('replayed');
  });

  it('refuses every sentAt outside the window, including the values that ran on v1', () => {
    const now = 1_764_000_000_000;
    const cache = new ReplayCache({ now: () => now });
    for (const sentAt of [
      0,
      -1e15,
      1e308,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      now - 300_001,
      now + 60_001,
    ]) {
      expect(cache.admit(enc(3), sentAt), String(sentAt)).toBe('stale');
    }
    expect(cache.size).toBe(0);
    expect(cache.admit(enc(3), now - 300_000)).toBe('fresh');
    expect(cache.admit(enc(4), now + 60_000)).toBe('fresh');
  });

  it('keeps an entry until no sentAt it could carry is fresh, then forgets it', () => {
    let now = 1_000_000;
    const cache = new ReplayCache({ now: () => now, pastWindowMs: 100, futureWindowMs: 10 });
    expect(cache.admit(enc(5), now + 10)).toBe('fresh');
    now += 109; // sentAt (now0 + 10) is still ≥ now - 100
    expect(cache.admit(enc(5), 1_000_010)).toBe('replayed');
    now += 2;
    expect(cache.admit(enc(5), 1_000_010)).toBe('stale');
    expect(cache.admit(enc(6), now)).toBe('fresh');
    expect(cache.size).toBe(1);
  });

  it('is bounded: a full cache refuses instead of forgetting an unexpired entry', () => {
    let now = 5_000_000;
    const cache = new ReplayCache({ now: () => now, capacity: 3, pastWindowMs: 1000, futureWindowMs: 0 });
    for (let i = 0; i < 3; i++) expect(cache.admit(enc(i), now)).toBe('fresh');
    expect(cache.admit(enc(9), now)).toBe('full');
    expect(cache.admit(enc(0), now)).toBe('replayed');
    now += 1001;
    expect(cache.admit(enc(9), now)).toBe('fresh');
    expect(cache.size).toBe(1);
  });

  it('tells which stale refusals can never become fresh', () => {
    expect(ReplayCache.staleForever(1000, 2000)).toBe(true);
    expect(ReplayCache.staleForever(3000, 2000)).toBe(false);
  });
});
