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
    [{}, '/name', 'a value (required field)', 'nothing'],
    [{ name: 42 }, '/name', 'a string', 'a number'],
    [{ name: 'A', language: 'de' }, '/language', 'one of "en", "fr"', '"de"'],
    [{ name: 'A', tags: ['x', 1] }, '/tags/1', 'a string', 'a number'],
    [{ name: 'A', audio: 'AAAA' }, '/audio', 'bytes', 'a string'],
    [{ name: 'A', nested: { n: 1.5 } }, '/nested/n', 'an integer', '1.5'],
    [{ name: 'A', extra: true }, '/extra', 'no such field', 'a boolean'],
    [{ name: 'A', 'we/ird~': 1 }, '/we~1ird~0', 'no such field', 'a number'],
    [[], '', 'an object', 'an array'],
    [null, '', 'an object', 'null'],
  ])('rejects %j at %s: expected %s, found %s', (value, path, expected, found) => {
    expect(validateValue(value, greet)).toEqual({
      path,
      expected,
      found,
      message: `expected ${expected}, found ${found}`,
    });
  });

  it('names lengths, bounds and long strings (cut at 40 characters) in what it found', () => {
    const short: TypeSchema = { type: 'string', maxLength: 3 };
    expect(validateValue('abcd', short)).toMatchObject({
      expected: 'at most 3 characters',
      found: '4 characters',
    });
    const word: TypeSchema = { type: 'string', enum: ['yes'] };
    expect(validateValue('n'.repeat(50), word)?.found).toBe(`"${'n'.repeat(40)}…"`);
    expect(validateValue(7, { type: 'number', maximum: 5 })).toMatchObject({ expected: '<= 5', found: '7' });
    expect(validateValue(Number.NaN, { type: 'number' })).toMatchObject({ found: 'NaN' });
  });

  it('follows $ref and anyOf, and refuses a missing definition', () => {
    const schema: TypeSchema = { anyOf: [{ $ref: '#/definitions/A' }, { type: 'null' }] };
    const defs: Record<string, TypeSchema> = { A: { type: 'number' } };
    expect(validateValue(1, schema, defs)).toBeUndefined();
    expect(validateValue(null, schema, defs)).toBeUndefined();
    expect(validateValue('x', schema, defs)?.message).toMatch(/one of 2 alternatives/);
    expect(validateValue(1, { $ref: '#/definitions/B' }, defs)?.message).toMatch(/none in the manifest/);
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
    expect(validateValue(decoded, record)).toMatchObject({ path: '/__proto__', expected: 'no such field' });
    expect(validateValue({ a: { admin: true } }, record)).toBeUndefined();
  });

  it('refuses a $ref that names an inherited property of the definitions', () => {
    expect(validateValue('x', { $ref: '#/definitions/constructor' }, {})?.message).toMatch(
      /none in the manifest/,
    );
  });

  it('rejects objects with a non-plain prototype and stops at excessive depth', () => {
    expect(validateValue(new Map(), greet)?.message).toBe('expected an object, found an object');
    let deep: TypeSchema = { type: 'null' };
    let value: unknown = null;
    for (let i = 0; i < 80; i++) {
      deep = { type: 'array', items: deep };
      value = [value];
    }
    expect(validateValue(value, deep)?.message).toBe(
      'expected nesting at most 64 deep, found deeper nesting',
    );
  });
});
