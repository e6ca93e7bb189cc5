import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AttestationError } from '../attestation-error.js';
import { decodeCbor, encodeHead } from './decode-cbor.js';

const cbor = (...b: number[]) => new Uint8Array(b);

function expectMalformed(bytes: Uint8Array, why: RegExp): void {
  try {
    decodeCbor(bytes, 'doc');
  } catch (err) {
    expect(err).toBeInstanceOf(AttestationError);
    expect((err as AttestationError).code).toBe('ATTESTATION_MALFORMED_EVIDENCE');
    expect((err as AttestationError).message).toMatch(why);
    return;
  }
  expect.unreachable(`accepted; expected ${why}`);
}

describe('decodeCbor: the data model of attestation documents', () => {
  test('integers, strings, arrays, maps with integer and text keys, false/true/null', () => {
    const value = decodeCbor(
      cbor(0xa3, 0x01, 0x38, 0x22, 0x61, 0x61, 0x82, 0xf4, 0xf5, 0x62, 0x62, 0x63, 0x43, 1, 2, 3),
      'doc',
    );
    expect(value).toEqual(
      new Map<number | string, unknown>([
        [1, -35],
        ['a', [false, true]],
        ['bc', cbor(1, 2, 3)],
      ]),
    );
    expect(decodeCbor(cbor(0xf6), 'doc')).toBeNull();
  });

  test('integers beyond 2^53 − 1 come back as exact bigints', () => {
    expect(decodeCbor(cbor(0x1b, 0, 0x20, 0, 0, 0, 0, 0, 0), 'doc')).toBe(2n ** 53n);
    expect(decodeCbor(cbor(0x3b, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 'doc')).toBe(-(2n ** 53n));
    expect(decodeCbor(cbor(0x1b, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 'doc')).toBe(2 ** 53 - 1);
  });

  test('byte strings are copies, not views of the input', () => {
    const input = cbor(0x42, 7, 8);
    const out = decodeCbor(input, 'doc') as Uint8Array;
    input[1] = 0;
    expect(out).toEqual(cbor(7, 8));
  });
});

describe('decodeCbor refuses what no attestation document contains', () => {
  test.each([
    ['non-preferred integer', cbor(0x19, 0x00, 0x01), /long integer encoding/],
    ['non-preferred length', cbor(0x58, 0x01, 0x00), /long integer encoding/],
    ['indefinite array', cbor(0x9f, 0xff), /Streaming/],
    ['indefinite map', cbor(0xbf, 0xff), /Streaming/],
    ['a tag', cbor(0xc0, 0x60), /unexpected tag/],
    ['a bignum tag', cbor(0xc2, 0x41, 0x01), /unexpected tag/],
    ['undefined', cbor(0xf7), /undefined/],
    ['a simple value', cbor(0xf0), /simple/],
    ['a two-byte simple value', cbor(0xf8, 0xff), /simple/],
    ['a float', cbor(0xfa, 0x3f, 0x80, 0, 0), /floating point/],
    ['a 65-bit negative', cbor(0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), /negative/],
    ['a duplicate text key', cbor(0xa2, 0x61, 0x61, 0x00, 0x61, 0x61, 0x01), /Duplicate key/],
    ['a byte-string map key', cbor(0xa1, 0x41, 0x00, 0x00), /map key is not an integer or text/],
    ['an array map key', cbor(0xa1, 0x80, 0x00), /map key is not an integer or text/],
    ['invalid UTF-8', cbor(0x62, 0xc3, 0x28), /not valid for encoding utf-8/],
    ['truncation', cbor(0x82, 0x01), /outside the bounds|end of stream/],
    ['nothing', cbor(), /outside the bounds/],
    ['trailing bytes', cbor(0x01, 0x01), /Extra data/],
  ])('%s', (_name, bytes, why) => {
    expectMalformed(bytes, why);
  });

  test('nesting deeper than 16 levels, in arrays or maps', () => {
    expect(decodeCbor(new Uint8Array([...new Array(16).fill(0x81), 0x00]), 'doc')).toBeInstanceOf(Array);
    expectMalformed(new Uint8Array([...new Array(17).fill(0x81), 0x00]), /nesting too deep|Maximum depth/);
    expectMalformed(new Uint8Array([...new Array(17).fill([0xa1, 0x00]).flat(), 0x00]), /nesting too deep/);
    expectMalformed(new Uint8Array(100_000).fill(0x81), /Maximum depth/);
  });

  test('inputs larger than any document', () => {
    expectMalformed(new Uint8Array((1 << 20) + 1), /more than any document/);
  });

  test('random bytes decode or throw AttestationError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (b) => {
        try {
          decodeCbor(b, 'doc');
        } catch (err) {
          expect(err).toBeInstanceOf(AttestationError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encodeHead', () => {
  test('preferred argument encodings (RFC 8949 §3)', () => {
    expect(encodeHead(2, 23)).toEqual(cbor(0x57));
    expect(encodeHead(2, 24)).toEqual(cbor(0x58, 24));
    expect(encodeHead(3, 0x100)).toEqual(cbor(0x79, 0x01, 0x00));
    expect(encodeHead(4, 0x1_0000)).toEqual(cbor(0x9a, 0, 1, 0, 0));
  });
});
