import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeBinding } from './compute-binding.js';

describe('computeBinding', () => {
  it('is SHA-512("blindbox/attest/v1" ‖ 0x00 ‖ nonce ‖ hpkePublicKey), computed independently', () => {
    for (let seed = 0; seed < 8; seed++) {
      const nonce = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + seed) & 255);
      const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + seed * 3) & 255);
      const expected = createHash('sha512')
        .update(Buffer.from('blindbox/attest/v1', 'utf8'))
        .update(Buffer.from([0]))
        .update(nonce)
        .update(key)
        .digest();
      const binding = computeBinding(nonce, key);
      expect(binding).toBeInstanceOf(Uint8Array);
      expect(binding.length).toBe(64);
      expect(Buffer.from(binding).equals(expected)).toBe(true);
    }
  });

  it('separates the nonce from the key (no shifting bytes between them)', () => {
    const a = computeBinding(new Uint8Array(32), new Uint8Array(32).fill(1));
    const b = computeBinding(new Uint8Array(32).fill(1), new Uint8Array(32));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('refuses inputs of the wrong length', () => {
    expect(() => computeBinding(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
    expect(() => computeBinding(new Uint8Array(32), new Uint8Array(33))).toThrow(RangeError);
  });
});
