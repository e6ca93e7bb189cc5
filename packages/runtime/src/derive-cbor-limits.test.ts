import type { AppManifest, TypeSchema } from '@blindbox/protocol';
import { describe, expect, it } from 'vitest';
import { maxItemsOf, requestItemLimit } from './derive-cbor-limits.js';

const str: TypeSchema = { type: 'string' };
const obj = (properties: Record<string, TypeSchema>): TypeSchema => ({
  type: 'object',
  properties,
  required: [],
  additionalProperties: false,
});

describe('maxItemsOf', () => {
  it('counts maps, keys and values; arrays by maxItems; unbounded shapes are Infinity', () => {
    expect(maxItemsOf(str, {})).toBe(1);
    expect(maxItemsOf(obj({ a: str, b: { 'x-blindbox-type': 'bytes' } }), {})).toBe(5);
    expect(maxItemsOf({ type: 'array', items: obj({ a: str }), maxItems: 10 }, {})).toBe(31);
    expect(maxItemsOf({ type: 'array', items: str }, {})).toBe(Number.POSITIVE_INFINITY);
    expect(maxItemsOf({ anyOf: [str, obj({ a: str })] }, {})).toBe(3);
    const open: TypeSchema = { type: 'object', properties: {}, required: [], additionalProperties: str };
    expect(maxItemsOf(open, {})).toBe(Number.POSITIVE_INFINITY);
    // A recursive type has no bound.
    const defs = { Tree: obj({ children: { $ref: '#/definitions/Tree' } }) };
    expect(maxItemsOf({ $ref: '#/definitions/Tree' }, defs)).toBe(Number.POSITIVE_INFINITY);
    expect(maxItemsOf({ $ref: '#/definitions/Missing' }, {})).toBe(Number.POSITIVE_INFINITY);
  });

  it('bounds a request by its largest endpoint input, or not at all', () => {
    const manifest = (input: TypeSchema): AppManifest => ({
      manifestVersion: 1,
      app: { name: 'a', version: '1.0.0' },
      enclave: { className: 'A', module: 'a.ts' },
      endpoints: [
        { name: 'small', input: obj({ a: str }), output: str, source: 'a.ts:1:1' },
        { name: 'other', input, output: str, source: 'a.ts:2:1' },
      ],
    });
    expect(requestItemLimit(manifest(obj({ a: str, b: str, c: str })))).toBe(12 + 7);
    expect(requestItemLimit(manifest({ type: 'array', items: str }))).toBeUndefined();
  });
});
