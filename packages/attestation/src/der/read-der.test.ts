import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AttestationError } from '../attestation-error.js';
import {
  DER,
  decodeOid,
  derChildren,
  derSmallInt,
  derUnsigned,
  expectTag,
  readDer,
  readDerExact,
} from './read-der.js';

const bytes = (...b: number[]) => new Uint8Array(b);

/** A canonical DER length (X.690 §10.1: short form below 128, else the fewest octets). */
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return [0x80 | out.length, ...out];
}

function tlv(tag: number, value: Uint8Array): Uint8Array {
  return new Uint8Array([tag, ...derLength(value.length), ...value]);
}

function expectMalformed(f: () => unknown, why: RegExp): void {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(AttestationError);
    expect((err as AttestationError).code).toBe('ATTESTATION_MALFORMED_EVIDENCE');
    expect((err as AttestationError).message).toMatch(why);
    return;
  }
  expect.unreachable(`accepted; expected ${why}`);
}

describe('readDer: lengths (X.690 §10.1)', () => {
  test('short form', () => {
    const node = readDer(bytes(0x04, 0x02, 0xaa, 0xbb), 0, 't');
    expect(node.tag).toBe(0x04);
    expect(node.value).toEqual(bytes(0xaa, 0xbb));
    expect(node.der).toEqual(bytes(0x04, 0x02, 0xaa, 0xbb));
    expect(readDer(bytes(0x05, 0x00), 0, 't').value).toEqual(bytes());
  });

  test('long form with the fewest octets', () => {
    const v128 = new Uint8Array(128).fill(7);
    expect(readDer(bytes(0x04, 0x81, 0x80, ...v128), 0, 't').value).toEqual(v128);
    const v256 = new Uint8Array(256).fill(9);
    expect(readDer(bytes(0x04, 0x82, 0x01, 0x00, ...v256), 0, 't').value).toEqual(v256);
  });

  test('a long form that a shorter form could say is refused', () => {
    expectMalformed(() => readDer(bytes(0x04, 0x81, 0x01, 0x00), 0, 't'), /non-minimal length/);
    expectMalformed(() => readDer(bytes(0x04, 0x81, 0x7f, ...new Uint8Array(127)), 0, 't'), /non-minimal/);
    // a leading zero length octet
    expectMalformed(
      () => readDer(bytes(0x04, 0x82, 0x00, 0x80, ...new Uint8Array(128)), 0, 't'),
      /non-minimal length/,
    );
  });

  test('the indefinite form and lengths beyond 3 octets are refused', () => {
    expectMalformed(() => readDer(bytes(0x30, 0x80, 0x00, 0x00), 0, 't'), /indefinite length/);
    expectMalformed(() => readDer(bytes(0x04, 0x84, 0x00, 0x00, 0x01, 0x00), 0, 't'), /length too large/);
  });

  test('truncated header, length and value are refused', () => {
    expectMalformed(() => readDer(bytes(0x04), 0, 't'), /truncated header/);
    expectMalformed(() => readDer(bytes(), 0, 't'), /truncated header/);
    expectMalformed(() => readDer(bytes(0x04, 0x82, 0x01), 0, 't'), /truncated length/);
    expectMalformed(() => readDer(bytes(0x04, 0x05, 0x00), 0, 't'), /truncated value/);
  });

  test('high tag numbers are refused', () => {
    expectMalformed(() => readDer(bytes(0x1f, 0x81, 0x00, 0x00), 0, 't'), /high tag number/);
  });

  test('reads at an offset', () => {
    const node = readDer(bytes(0xff, 0xff, 0x02, 0x01, 0x05), 2, 't');
    expect(node.value).toEqual(bytes(0x05));
  });
});

describe('readDerExact', () => {
  test('one TLV spanning the input', () => {
    expect(readDerExact(bytes(0x02, 0x01, 0x01), 't').value).toEqual(bytes(0x01));
  });

  test('trailing bytes are refused', () => {
    expectMalformed(() => readDerExact(bytes(0x02, 0x01, 0x01, 0x00), 't'), /trailing bytes/);
  });
});

describe('derChildren and expectTag', () => {
  test('children of a constructed value, in order', () => {
    const seq = readDerExact(bytes(0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x02), 't');
    const children = derChildren(seq, 't');
    expect(children.map((c) => c.tag)).toEqual([DER.INTEGER, DER.OCTET_STRING]);
    expect(children.map((c) => [...c.value])).toEqual([[1], [2]]);
  });

  test('a primitive value has no children', () => {
    expectMalformed(() => derChildren(readDerExact(bytes(0x04, 0x01, 0x00), 't'), 't'), /constructed/);
  });

  test('a child running past its parent is refused', () => {
    // SEQUENCE of length 3 holding an INTEGER that claims 2 content bytes but has 1.
    expectMalformed(
      () => derChildren(readDer(bytes(0x30, 0x03, 0x02, 0x02, 0x01), 0, 't'), 't'),
      /truncated/,
    );
  });

  test('wrong or missing tags are refused', () => {
    const int = readDerExact(bytes(0x02, 0x01, 0x01), 't');
    expect(expectTag(int, DER.INTEGER, 't')).toBe(int);
    expectMalformed(() => expectTag(int, DER.SEQUENCE, 't'), /expected tag 0x30, found 0x2/);
    expectMalformed(() => expectTag(undefined, DER.SEQUENCE, 't'), /missing element/);
  });
});

describe('INTEGER (X.690 §8.3)', () => {
  const int = (...v: number[]) => readDerExact(tlv(DER.INTEGER, bytes(...v)), 't');

  test('minimal non-negative integers, with and without a sign octet', () => {
    expect(derUnsigned(int(0x00), 't')).toEqual(bytes(0x00));
    expect(derUnsigned(int(0x7f), 't')).toEqual(bytes(0x7f));
    expect(derUnsigned(int(0x00, 0x80), 't')).toEqual(bytes(0x80));
    expect(derUnsigned(int(0x01, 0x00), 't')).toEqual(bytes(0x01, 0x00));
    expect(derSmallInt(int(0x01, 0x00), 't')).toBe(256);
  });

  test('a redundant leading octet is refused', () => {
    expectMalformed(() => derUnsigned(int(0x00, 0x01), 't'), /non-minimal INTEGER/);
    expectMalformed(() => derUnsigned(int(0x00, 0x00), 't'), /non-minimal INTEGER/);
  });

  test('empty, negative and oversized integers are refused', () => {
    expectMalformed(() => derUnsigned(int(), 't'), /empty INTEGER/);
    expectMalformed(() => derUnsigned(int(0x80), 't'), /negative INTEGER/);
    expectMalformed(() => derSmallInt(int(0x01, 0, 0, 0, 0, 0, 0), 't'), /INTEGER too large/);
    expectMalformed(() => derUnsigned(readDerExact(bytes(0x04, 0x01, 0x01), 't'), 't'), /expected tag/);
  });
});

describe('OBJECT IDENTIFIER (X.690 §8.19)', () => {
  test('decodes known OIDs', () => {
    // 1.2.840.10045.4.3.3 (ecdsa-with-SHA384), 1.3.132.0.34 (P-384), 2.5.29.19 (basicConstraints)
    expect(decodeOid(bytes(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03), 't')).toBe('1.2.840.10045.4.3.3');
    expect(decodeOid(bytes(0x2b, 0x81, 0x04, 0x00, 0x22), 't')).toBe('1.3.132.0.34');
    expect(decodeOid(bytes(0x55, 0x1d, 0x13), 't')).toBe('2.5.29.19');
  });

  test('empty, non-minimal and truncated arcs are refused', () => {
    expectMalformed(() => decodeOid(bytes(), 't'), /empty OID/);
    expectMalformed(() => decodeOid(bytes(0x2a, 0x80, 0x01), 't'), /non-minimal OID arc/);
    expectMalformed(() => decodeOid(bytes(0x2a, 0x86), 't'), /truncated OID/);
  });
});

describe('properties', () => {
  const tag = fc.constantFrom(DER.INTEGER, DER.OCTET_STRING, DER.UTF8_STRING, DER.SEQUENCE, 0xa0, 0x81);
  const value = fc.uint8Array({ maxLength: 70_000 });

  test('a canonical TLV reads back exactly', () => {
    fc.assert(
      fc.property(tag, value, (t, v) => {
        const node = readDerExact(tlv(t, v), 't');
        expect(node.tag).toBe(t);
        expect(node.value).toEqual(v);
      }),
      { numRuns: 200 },
    );
  });

  test('the same value with a longer length encoding is refused', () => {
    fc.assert(
      fc.property(tag, fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 2 }), (t, v, pad) => {
        const canonical = derLength(v.length);
        const octets = canonical.length === 1 ? [v.length] : canonical.slice(1);
        // The same length with `pad` extra leading zero octets (or long form for a short length).
        const longer = [0x80 | (octets.length + pad), ...new Array(pad).fill(0), ...octets];
        if (longer.length - 1 > 3) return;
        expect(() => readDer(new Uint8Array([t, ...longer, ...v]), 0, 't')).toThrow(AttestationError);
      }),
    );
  });

  test('every truncation and every extension of a TLV is refused by readDerExact', () => {
    fc.assert(
      fc.property(
        tag,
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        (t, v, cut, extra) => {
          const der = tlv(t, v);
          const keep = cut % der.length;
          expect(() => readDerExact(der.subarray(0, keep), 't')).toThrow(AttestationError);
          expect(() => readDerExact(new Uint8Array([...der, ...extra]), 't')).toThrow(AttestationError);
        },
      ),
    );
  });

  test('random bytes either read as one TLV or throw AttestationError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          const node = readDer(b, 0, 't');
          expect(node.der.length).toBeLessThanOrEqual(b.length);
        } catch (err) {
          expect(err).toBeInstanceOf(AttestationError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
