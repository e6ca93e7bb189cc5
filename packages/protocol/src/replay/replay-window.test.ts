import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayWindow } from './replay-window.js';

describe('ReplayWindow', () => {
  it('admits each sequence number once, in any order inside the window', () => {
    const w = new ReplayWindow(64);
    for (const seq of [5, 3, 4, 0, 1, 2, 63, 10]) expect(w.admit(seq)).toBe(true);
    for (const seq of [5, 3, 4, 0, 1, 2, 63, 10]) expect(w.admit(seq)).toBe(false);
    expect(w.highest).toBe(63);
    expect(w.admit(6)).toBe(true);
  });

  it('refuses numbers at or below the window floor, and invalid numbers', () => {
    const w = new ReplayWindow(32);
    expect(w.admit(100)).toBe(true);
    expect(w.check(68)).toBe(false); // 100 - 32
    expect(w.admit(69)).toBe(true);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(w.admit(bad)).toBe(false);
  });

  it('clears the bits a slide passes over (no stale bit makes a new number look replayed)', () => {
    const w = new ReplayWindow(32);
    expect(w.admit(0)).toBe(true);
    expect(w.admit(31)).toBe(true);
    expect(w.admit(32)).toBe(true); // slot of 0 is reused by 32
    expect(w.admit(1)).toBe(true);
    expect(w.admit(1000)).toBe(true); // a jump beyond the window clears everything
    expect(w.admit(1000 - 31)).toBe(true);
    expect(w.admit(1000 - 32)).toBe(false);
  });

  it('check records nothing', () => {
    const w = new ReplayWindow();
    expect(w.check(7)).toBe(true);
    expect(w.check(7)).toBe(true);
    expect(w.highest).toBe(-1);
  });

  it('agrees with a set-based model on random traffic', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 400 }), (seqs) => {
        const w = new ReplayWindow(64);
        const seen = new Set<number>();
        let highest = -1;
        for (const seq of seqs) {
          const expected = !seen.has(seq) && seq > highest - 64;
          expect(w.admit(seq)).toBe(expected);
          if (expected) {
            seen.add(seq);
            highest = Math.max(highest, seq);
          }
        }
      }),
    );
  });
});
