import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor } from './cbor.js';
import { hexDecode, hexEncode } from './encoding.js';
import { ProtocolError } from './protocol-error.js';

function code(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
}

describe('encodeCbor', () => {
  it('uses core deterministic encoding (RFC 8949 §4.2.1)', () => {
    // Keys sorted by encoded bytes (shorter first), shortest ints, shortest exact floats.
    expect(hexEncode(encodeCbor({ bb: 1, a: 1.5, c: 1_000_000, d: 0.1 }))).toBe(
      'a46161f93e0061631a000f42406164fb3fb999999999999a62626201',
    );
    expect(hexEncode(encodeCbor({ b: new Uint8Array([1, 2]), a: [true, false, null] }))).toBe(
      'a2616183f5f4f661624' + '20102',
    );
  });

  it('drops undefined properties, maps undefined array items to null, and encodes Buffer as bytes', () => {
    expect(decodeCbor(encodeCbor({ a: undefined, b: [undefined], c: Buffer.from([7]) }))).toEqual({
      b: [null],
      c: new Uint8Array([7]),
    });
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a bigint', 1n],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a function', () => 1],
    ['a class instance', new (class Point {})()],
  ])('refuses %s', (_, value) => {
    expect(() => encodeCbor(value)).toThrow(TypeError);
  });

  it('refuses cycles', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(() => encodeCbor(cycle)).toThrow(TypeError);
  });
});

describe('decodeCbor', () => {
  it('decodes maps to plain objects and byte strings to Uint8Array', () => {
    const value = decodeCbor(hexDecode('a2616101616241ff')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value).toEqual({ a: 1, b: new Uint8Array([255]) });
  });

  it('keeps "__proto__" an ordinary key', () => {
    const value = decodeCbor(hexDecode('a1695f5f70726f746f5f5fa16178f5')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect((value as { x?: unknown }).x).toBeUndefined();
  });

  it('accepts non-preferred encodings from other encoders', () => {
    expect(decodeCbor(hexDecode('1800'))).toBe(0);
    expect(decodeCbor(hexDecode('fb3ff8000000000000'))).toBe(1.5);
  });

  it.each([
    ['trailing bytes', '0000'],
    ['an empty input', ''],
    ['a truncated item', '62616'],
    ['an indefinite-length array', '9f01ff'],
    ['an indefinite-length map', 'bf616101ff'],
    ['an indefinite-length byte string', '5f4101ff'],
    ['an indefinite-length text string', '7f6161ff'],
    ['a duplicate map key', 'a2616101616102'],
    ['an integer map key', 'a10101'],
    ['a byte-string map key', 'a1410101'],
    ['tag 1 (epoch date)', 'c11a514b67b0'],
    ['tag 2 (bignum)', 'c249010000000000000000'],
    ['tag 24 (embedded CBOR)', 'd81841a0'],
    ['a nested tag', '81d82000'],
    ['undefined', 'f7'],
    ['simple(16)', 'f0'],
    ['an integer beyond 2^53', '1bffffffffffffffff'],
    ['invalid UTF-8', '61ff'],
    ['a huge declared length', '5bffffffffffffffff'],
    ['a huge declared array', '9bffffffffffffffff'],
    ['a reserved additional info', '1c'],
    ['a break outside an indefinite item', 'ff'],
    ['deep nesting', `${'81'.repeat(200)}00`],
  ])('rejects %s', (_, bytes) => {
    expect(code(() => decodeCbor(hexDecode(bytes)))).toBe('PROTOCOL_MALFORMED_ENCODING');
  });

  it('round-trips every value of its data model', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.string(),
        fc.maxSafeInteger(),
        fc.double({ noNaN: true }),
        fc.uint8Array({ maxLength: 16 }),
      ),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodeCbor(v);
        expect(decodeCbor(bytes)).toEqual(v);
        expect(encodeCbor(decodeCbor(bytes))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but ProtocolError on random bytes, and never hangs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const result = code(() => decodeCbor(bytes));
        expect([undefined, 'PROTOCOL_MALFORMED_ENCODING']).toContain(result);
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws anything but ProtocolError on mutated valid CBOR', () => {
    const valid = encodeCbor({
      endpoint: 'x',
      input: { a: [1, 2.5, 'z', new Uint8Array(3)] },
      sentAt: 1,
      requestId: '',
    });
    fc.assert(
      fc.property(
        fc.nat(valid.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(valid.length),
        (i, b, cut) => {
          const bytes = valid.slice(0, Math.max(cut, i + 1));
          bytes[i] = b;
          const result = code(() => decodeCbor(bytes));
          expect([undefined, 'PROTOCOL_MALFORMED_ENCODING']).toContain(result);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('decodes a map of 50 000 keys (duplicate detection does not go quadratic; the test timeout is the bound)', () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 50_000; i++) big[`k${i}`] = i;
    expect(Object.keys(decodeCbor(encodeCbor(big)) as object)).toHaveLength(50_000);
  });
});

describe('against an independent implementation (cbor2)', () => {
  it('encodes byte for byte as cbor2 in core deterministic mode, and decodes what it encodes', async () => {
    const cbor2 = await import('cbor2');
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.string(),
        fc.maxSafeInteger(),
        fc.double(),
        fc.uint8Array({ maxLength: 16 }),
      ),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const ours = encodeCbor(v);
        expect(hexEncode(ours)).toBe(hexEncode(cbor2.encode(v, { cde: true })));
        expect(cbor2.decode(ours)).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses 30 million empty maps after the item limit, in milliseconds (the stall-by-decoding attack)', () => {
    const bomb = new Uint8Array(1 + 5 + 30_000_000);
    bomb.set([0x9a, 0x01, 0xc9, 0xc3, 0x80]); // array(30 000 000)
    bomb.fill(0xa0, 5); // empty maps
    const start = performance.now();
    expect(code(() => decodeCbor(bomb.subarray(0, 5 + 30_000_000)))).toBe('PROTOCOL_LIMIT_EXCEEDED');
    expect(code(() => decodeCbor(bomb.subarray(0, 5 + 30_000_000), { maxItems: 1000 }))).toBe(
      'PROTOCOL_LIMIT_EXCEEDED',
    );
    // Bounded by the limit, not by the input: a generous bound that still fails on the old decoder's minute.
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it('nests 128 containers on both sides, refuses 129 on both sides', () => {
    let ok: unknown = 1;
    for (let i = 0; i < 128; i++) ok = [ok];
    expect(decodeCbor(encodeCbor(ok))).toEqual(ok);
    expect(() => encodeCbor([ok])).toThrow(TypeError);
    const deep = hexDecode(`${'81'.repeat(129)}01`);
    expect(code(() => decodeCbor(deep))).toBe('PROTOCOL_MALFORMED_ENCODING');
    expect(code(() => decodeCbor(hexDecode(`${'81'.repeat(127)}80`)))).toBe(undefined);
    expect(code(() => decodeCbor(hexDecode(`${'81'.repeat(128)}80`)))).toBe('PROTOCOL_MALFORMED_ENCODING');
    expect(code(() => decodeCbor(hexDecode(`${'81'.repeat(128)}01`)))).toBe(undefined);
  });

  it('refuses more bytes than maxBytes', () => {
    expect(code(() => decodeCbor(encodeCbor('x'.repeat(100)), { maxBytes: 50 }))).toBe(
      'PROTOCOL_LIMIT_EXCEEDED',
    );
  });
});
