import type { TypeSchema } from '@blindbox/protocol';
import { describe, expect, it } from 'vitest';
import { validateValue } from './validate-value.js';

const greet: TypeSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    language: { type: 'string', enum: ['en', 'fr'] },
    tags: { type: 'array', items: { type: 'string' } },
    audio: { 'x-blindbox-type': 'bytes' },
    nested: {
      type: 'object',
      properties: { n: { type: 'integer' } },
      required: ['n'],
      additionalProperties: false,
    },
  },
  required: ['name'],
  additionalProperties: false,
};

describe('validateValue', () => {
  it('accepts values of the declared shape', () => {
    expect(validateValue({ name: 'Ada' }, greet)).toBeUndefined();
    expect(
      validateValue(
        { name: 'Ada', language: 'fr', tags: ['a'], audio: new Uint8Array(3), nested: { n: 2 } },
        greet,
      ),
    ).toBeUndefined();
  });

  it.each([
    [{}, '/name', 'required field is missing'],
    [{ name: 42 }, '/name', 'expected a string, found number'],
    [{ name: 'A', language: 'de' }, '/language', 'expected one of "en", "fr"'],
    [{ name: 'A', tags: ['x', 1] }, '/tags/1', 'expected a string, found number'],
    [{ name: 'A', audio: 'AAAA' }, '/audio', 'expected bytes, found string'],
    [{ name: 'A', nested: { n: 1.5 } }, '/nested/n', 'expected an integer'],
    [{ name: 'A', extra: true }, '/extra', 'unexpected field'],
    [{ name: 'A', 'we/ird~': 1 }, '/we~1ird~0', 'unexpected field'],
    [[], '', 'expected an object, found an array'],
    [null, '', 'expected an object, found null'],
  ])('rejects %j at %s', (value, path, message) => {
    expect(validateValue(value, greet)).toEqual({ path, message });
  });

  it('follows $ref and anyOf, and refuses a missing definition', () => {
    const schema: TypeSchema = { anyOf: [{ $ref: '#/definitions/A' }, { type: 'null' }] };
    const defs: Record<string, TypeSchema> = { A: { type: 'number' } };
    expect(validateValue(1, schema, defs)).toBeUndefined();
    expect(validateValue(null, schema, defs)).toBeUndefined();
    expect(validateValue('x', schema, defs)?.message).toMatch(/one of 2 alternatives/);
    expect(validateValue(1, { $ref: '#/definitions/B' }, defs)?.message).toMatch(/missing/);
  });

  it('refuses a __proto__ key in an open map, which a naive deep merge in a handler would follow', () => {
    const record: TypeSchema = {
      type: 'object',
      properties: {},
      required: [],
      additionalProperties: {
        type: 'object',
        properties: { admin: { type: 'boolean' } },
        required: [],
        additionalProperties: false,
      },
    };
    // What the CBOR decoder yields for {"__proto__": {"admin": true}}: an own property.
    const decoded: Record<string, unknown> = {};
    Object.defineProperty(decoded, '__proto__', { value: { admin: true }, enumerable: true });
    expect(validateValue(decoded, record)).toEqual({ path: '/__proto__', message: 'unexpected field' });
    expect(validateValue({ a: { admin: true } }, record)).toBeUndefined();
  });

  it('refuses a $ref that names an inherited property of the definitions', () => {
    expect(validateValue('x', { $ref: '#/definitions/constructor' }, {})?.message).toMatch(/missing/);
  });

  it('rejects objects with a non-plain prototype and stops at excessive depth', () => {
    expect(validateValue(new Map(), greet)?.message).toBe('expected an object, found an object');
    let deep: TypeSchema = { type: 'null' };
    let value: unknown = null;
    for (let i = 0; i < 80; i++) {
      deep = { type: 'array', items: deep };
      value = [value];
    }
    expect(validateValue(value, deep)?.message).toMatch(/nesting deeper/);
  });
});
