import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64Decode,
  base64DecodeLenient,
  base64Encode,
  base64urlDecode,
  base64urlEncode,
  concatBytes,
  EncodingError,
  equalBytes,
  hexDecode,
  hexEncode,
  utf8Decode,
  utf8Encode,
} from './index.js';

const bytes = fc.uint8Array({ maxLength: 200 });

describe('round trips', () => {
  it('hex, base64 and base64url decode what they encode', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        expect(hexDecode(hexEncode(b))).toEqual(b);
        expect(hexDecode(hexEncode(b).toUpperCase())).toEqual(b);
        expect(base64Decode(base64Encode(b))).toEqual(b);
        expect(base64Decode(base64Encode(b).replace(/=+$/, ''))).toEqual(b);
        expect(base64urlDecode(base64urlEncode(b))).toEqual(b);
        expect(base64DecodeLenient(` ${base64urlEncode(b)}\n`)).toEqual(b);
      }),
    );
  });

  it('matches Node for the encodings Node has', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        expect(hexEncode(b)).toBe(Buffer.from(b).toString('hex'));
        expect(base64Encode(b)).toBe(Buffer.from(b).toString('base64'));
        expect(base64urlEncode(b)).toBe(Buffer.from(b).toString('base64url'));
      }),
    );
  });
});

describe('strict decoders refuse second spellings', () => {
  it.each([
    ['odd-length hex', () => hexDecode('abc')],
    ['non-hex', () => hexDecode('zz')],
    ['hex with whitespace', () => hexDecode(' ab')],
    ['base64url with padding', () => base64urlDecode('AA==')],
    ['base64url with the standard alphabet', () => base64urlDecode('+/')],
    ['base64url with non-zero pad bits', () => base64urlDecode('AB')],
    ['base64 with too much padding', () => base64Decode('A===')],
    ['base64 with the URL alphabet', () => base64Decode('-_-_')],
    ['base64 with whitespace', () => base64Decode('AAAA AAAA')],
    ['lenient base64 of impossible length', () => base64DecodeLenient('AAAAA')],
    ['lenient base64 with a stray character', () => base64DecodeLenient('AA*A')],
  ])('%s', (_name, decode) => {
    expect(decode).toThrow(EncodingError);
  });

  it('EncodingError is a TypeError with a stable code', () => {
    try {
      hexDecode('x');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as EncodingError).code).toBe('ENCODING_INVALID');
    }
  });

  it('lenient decoding stays linear on a long run of padding', () => {
    const hostile = `${'='.repeat(200_000)}A`;
    expect(() => base64DecodeLenient(hostile)).toThrow(EncodingError);
  });
});

describe('bytes', () => {
  it('concatenates in order', () => {
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(
      Uint8Array.of(1, 2, 3),
    );
  });

  it('compares by content and length', () => {
    fc.assert(
      fc.property(bytes, bytes, (a, b) => {
        expect(equalBytes(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
        expect(equalBytes(a, a.slice())).toBe(true);
      }),
    );
  });

  it('utf8 round-trips and refuses invalid sequences', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(utf8Decode(utf8Encode(s))).toBe(s);
      }),
    );
    expect(() => utf8Decode(Uint8Array.of(0xff))).toThrow(TypeError);
  });
});
