import { describe, expect, it } from 'vitest';
import { VerifiedKeys } from './verified-keys.js';

const key = (id: string, expiresAt = 1_000) => ({ id, expiresAt });

describe('VerifiedKeys', () => {
  it('drops a key at its expiry, and its session with it', () => {
    let now = 0;
    const dropped: string[] = [];
    const keys = new VerifiedKeys(
      4,
      () => now,
      (id) => dropped.push(id),
    );
    const a = key('aa', 100);
    keys.put(a, 'aa');
    expect(keys.get('aa')).toBe(a);
    now = 100;
    expect(keys.get('aa')).toBeUndefined();
    expect(dropped).toEqual(['aa']);
  });

  it('keeps at most its bound: expired keys go first, then the oldest, never the one to keep', () => {
    let now = 0;
    const dropped: string[] = [];
    const keys = new VerifiedKeys(
      2,
      () => now,
      (id) => dropped.push(id),
    );
    keys.put(key('k1'), 'k1');
    keys.put(key('k2', 50), 'k1');
    now = 60;
    keys.put(key('k3'), 'k1'); // k2 expired: it goes, k1 stays
    expect(dropped).toEqual(['k2']);
    keys.put(key('k4'), 'k1'); // over the bound: the oldest other than k1 (k3) goes
    expect(dropped).toEqual(['k2', 'k3']);
    expect(keys.get('k1')).toBeDefined();
    expect(keys.get('k4')).toBeDefined();
  });

  it('replaces a record of the same key id, dropping the session opened under the old one', () => {
    const dropped: string[] = [];
    const keys = new VerifiedKeys(
      4,
      () => 0,
      (id) => dropped.push(id),
    );
    keys.put(key('aa'), 'aa');
    const again = key('aa', 2_000);
    keys.put(again, 'aa');
    expect(keys.get('aa')).toBe(again);
    expect(dropped).toEqual(['aa']);
  });
});
