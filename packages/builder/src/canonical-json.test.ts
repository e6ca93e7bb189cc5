import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, prettyCanonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys by UTF-16 code units and writes no whitespace (RFC 8785 §3.2)', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], A: { z: 1.5, y: -0 } })).toBe(
      '{"A":{"y":0,"z":1.5},"a":[true,null,"x"],"b":1}',
    );
    // U+20AC (€) sorts after U+00E9 (é) and after ASCII; an astral character's surrogates (U+D83D…) before U+FB33.
    expect(canonicalJson({ '\u20ac': 1, '\u00e9': 2, z: 3, '\u{1F600}': 4, '\uFB33': 5 })).toBe(
      '{"z":3,"\u00e9":2,"\u20ac":1,"\u{1F600}":4,"\uFB33":5}',
    );
  });

  it('omits undefined properties and refuses what JSON cannot carry', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow(/\$\.n/);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
    expect(() => canonicalJson(1n)).toThrow(TypeError);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/Date/);
    expect(() => canonicalJson(new Uint8Array(1))).toThrow(TypeError);
  });

  it('is independent of key insertion order and stable under a JSON round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        const reversed = JSON.parse(JSON.stringify(value), (_k, v) =>
          v && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        );
        expect(canonicalJson(reversed)).toBe(text);
      }),
    );
  });

  it('pretty form: same keys, indented, final newline', () => {
    expect(prettyCanonicalJson({ b: [1], a: {} })).toBe('{\n  "a": {},\n  "b": [\n    1\n  ]\n}\n');
    // Integer-like keys keep the canonical order, which a JSON.parse round trip would not.
    expect(prettyCanonicalJson({ '2': 0, '10': 0 })).toBe('{\n  "10": 0,\n  "2": 0\n}\n');
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const pretty = prettyCanonicalJson(value);
        expect(JSON.parse(pretty)).toEqual(JSON.parse(canonicalJson(value)));
        expect(pretty.replace(/\n */g, '').replaceAll('": ', '":')).toBe(
          canonicalJson(value).replaceAll('": ', '":'),
        );
      }),
    );
  });
});
