import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hexDecode, hexEncode } from '../encoding.js';
import { hkdfExpand, hkdfExtract, sha256, sha512, useNodeHashes } from './sha2.js';

// RFC 5869 Appendix A.1 (basic) and A.3 (zero-length salt and info).
const CASES = [
  {
    ikm: '0b'.repeat(22),
    salt: '000102030405060708090a0b0c',
    info: 'f0f1f2f3f4f5f6f7f8f9',
    prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
    okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  },
  {
    ikm: '0b'.repeat(22),
    salt: '',
    info: '',
    prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
    okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  },
];

afterEach(() => useNodeHashes(true));

describe.each([
  ['node:crypto', true],
  ['@noble/hashes', false],
])('SHA-2 and HKDF-SHA256 on %s', (_name, node) => {
  beforeEach(() => useNodeHashes(node));

  it.each(CASES)('reproduces RFC 5869 (salt "$salt")', (c) => {
    const prk = hkdfExtract(hexDecode(c.salt), hexDecode(c.ikm));
    expect(hexEncode(prk)).toBe(c.prk);
    const okm = hkdfExpand(prk, hexDecode(c.info), 42);
    expect(hexEncode(okm)).toBe(c.okm);
    expect(Object.getPrototypeOf(okm)).toBe(Uint8Array.prototype);
  });

  it('agrees with @noble/hashes on every length and on the digests', () => {
    const prk = crypto.getRandomValues(new Uint8Array(32));
    const info = crypto.getRandomValues(new Uint8Array(70));
    for (const length of [0, 1, 12, 16, 31, 32, 33, 64, 65, 255 * 32]) {
      expect(hexEncode(hkdfExpand(prk, info, length))).toBe(
        hexEncode(expand(nobleSha256, prk, info, length)),
      );
    }
    const salt = crypto.getRandomValues(new Uint8Array(80));
    expect(hexEncode(hkdfExtract(salt, info))).toBe(hexEncode(extract(nobleSha256, info, salt)));
    expect(hexEncode(sha256(info))).toBe(hexEncode(nobleSha256(info)));
    expect(hexEncode(sha512(info))).toBe(hexEncode(nobleSha512(info)));
  });

  it('refuses lengths HKDF-SHA256 cannot produce', () => {
    const prk = new Uint8Array(32);
    expect(() => hkdfExpand(prk, new Uint8Array(0), 255 * 32 + 1)).toThrow(RangeError);
    expect(() => hkdfExpand(prk, new Uint8Array(0), -1)).toThrow(RangeError);
  });
});
