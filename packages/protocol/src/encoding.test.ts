import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, base64urlDecode, base64urlEncode } from './encoding.js';
import { ProtocolError } from './protocol-error.js';

describe('base64url and base64', () => {
  it('match Node for every length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
        expect(base64urlEncode(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
        expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(base64urlDecode(base64urlEncode(bytes))).toEqual(bytes);
        expect(base64Decode(base64Encode(bytes))).toEqual(bytes);
        expect(base64Decode(base64Encode(bytes).replace(/=+$/, ''))).toEqual(bytes);
      }),
    );
  });

  it.each([
    ['padding', 'AAE='],
    ['standard alphabet', 'a+b/'],
    ['whitespace', 'AA E'],
    ['impossible length', 'AAAAA'],
    ['non-zero pad bits', 'AB'],
    ['non-zero pad bits (2 bytes)', 'AAB'],
  ])('base64url rejects %s', (_, text) => {
    expect(() => base64urlDecode(text)).toThrow(ProtocolError);
  });

  it.each([
    ['url alphabet', 'a-b_'],
    ['too much padding', 'A==='],
    ['padding inside', 'AA==AAAA'],
    ['wrong padding', 'AAA=='],
    ['non-zero pad bits', 'AB=='],
  ])('base64 rejects %s', (_, text) => {
    expect(() => base64Decode(text)).toThrow(ProtocolError);
  });

  it('never throws anything but ProtocolError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        for (const decode of [base64Decode, base64urlDecode]) {
          try {
            decode(text);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        }
      }),
    );
  });
});
