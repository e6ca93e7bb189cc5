import type { AppManifest, TypeSchema } from '@blindbox/protocol';
import { endpoint } from '@blindbox/sdk';
import { describe, expect, it } from 'vitest';
import { maxItemsOf } from './derive-cbor-limits.js';
import { dispatchCall } from './dispatch-call.js';
import { reviveInput, toWireValue } from './revive-value.js';
import { validateValue } from './validate-value.js';

const date: TypeSchema = { type: 'string', format: 'date-time', 'x-blindbox-js': 'Date' };
const big: TypeSchema = { type: 'string', pattern: '^-?(0|[1-9][0-9]*)$', 'x-blindbox-js': 'bigint' };
const obj = (properties: Record<string, TypeSchema>, required = Object.keys(properties)): TypeSchema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const defs: Record<string, TypeSchema> = {
  Visit: {
    anyOf: [
      obj({ kind: { type: 'string', const: 'checkup' }, at: date }),
      obj({ kind: { type: 'string', const: 'phone' }, minutes: { type: 'number' } }),
    ],
  },
  Folder: obj({
    name: { type: 'string' },
    children: { type: 'array', items: { $ref: '#/definitions/Folder' } },
  }),
};

describe('validateValue: the builder schema additions (docs/reference/types.md)', () => {
  it('checks Date and bigint wire strings in their one canonical form', () => {
    expect(validateValue('2026-12-01T10:00:00.000Z', date)).toBeUndefined();
    for (const bad of ['2026-12-01', '2026-12-01T10:00:00Z', '2026-13-01T10:00:00.000Z', 'soon', 5]) {
      expect(validateValue(bad, date), String(bad)).toBeDefined();
    }
    expect(validateValue('-12345678901234567890', big)).toBeUndefined();
    for (const bad of ['012', '1.5', '', '-0x1', 12])
      expect(validateValue(bad, big), String(bad)).toBeDefined();
  });

  it('checks tuples element by element, formats, and exclusive bounds', () => {
    const pair: TypeSchema = {
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'number' }],
      items: { anyOf: [{ type: 'number' }, { type: 'string' }] },
      minItems: 2,
      maxItems: 2,
    };
    expect(validateValue(['a', 1], pair)).toBeUndefined();
    expect(validateValue([1, 'a'], pair)).toMatchObject({ path: '/0' });
    expect(validateValue(['a'], pair)).toBeDefined();
    const email: TypeSchema = { type: 'string', format: 'email' };
    expect(validateValue('ada@example.org', email)).toBeUndefined();
    expect(validateValue('ada', email)).toBeDefined();
    for (const format of ['no-such-format', 'constructor', '__proto__', 'toString'])
      expect(validateValue('x', { type: 'string', format }), format).toBeDefined();
    expect(
      validateValue('3f2504e0-4f89-11d3-9a0c-0305e82c3301', { type: 'string', format: 'uuid' }),
    ).toBeUndefined();
    expect(validateValue('https://a.example/x', { type: 'string', format: 'uri' })).toBeUndefined();
    expect(validateValue('not a uri', { type: 'string', format: 'uri' })).toBeDefined();
    const age: TypeSchema = { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 150 };
    expect(validateValue(1, age)).toBeUndefined();
    expect(validateValue(0, age)).toBeDefined();
    expect(validateValue(150, age)).toBeDefined();
  });
});

describe('reviveInput and toWireValue', () => {
  it('turns wire strings into Date and bigint through refs, unions and tuples', () => {
    const schema = obj({
      visits: { type: 'array', items: { $ref: '#/definitions/Visit' } },
      span: {
        type: 'array',
        prefixItems: [date, big],
        items: { anyOf: [date, big] },
        minItems: 2,
        maxItems: 2,
      },
      tally: { type: 'object', properties: {}, required: [], additionalProperties: big },
    });
    const wire = {
      visits: [
        { kind: 'checkup', at: '2026-01-02T03:04:05.006Z' },
        { kind: 'phone', minutes: 5 },
      ],
      span: ['2026-12-01T00:00:00.000Z', '7'],
      tally: { a: '99999999999999999999' },
    };
    expect(validateValue(wire, schema, defs)).toBeUndefined();
    const revived = reviveInput(wire, schema, defs) as typeof wire & Record<string, unknown>;
    expect(revived).toEqual({
      visits: [
        { kind: 'checkup', at: new Date('2026-01-02T03:04:05.006Z') },
        { kind: 'phone', minutes: 5 },
      ],
      span: [new Date('2026-12-01T00:00:00.000Z'), 7n],
      tally: { a: 99999999999999999999n },
    });
  });

  it('writes Date and bigint results as strings, leaving bytes alone and invalid Dates to validation', () => {
    const bytes = new Uint8Array([1]);
    expect(toWireValue({ at: new Date(0), n: [5n], b: bytes })).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      n: ['5'],
      b: bytes,
    });
    const invalid = toWireValue({ at: new Date(Number.NaN) }) as { at: unknown };
    expect(invalid.at).toBeInstanceOf(Date);
    expect(validateValue(invalid, obj({ at: date }))).toBeDefined();
  });
});

describe('dispatchCall with the builder manifest additions', () => {
  class Clinic {
    seen: unknown[] = [];
    @endpoint({ name: 'nextVisit' })
    async next(req: { after: Date; budget: bigint }) {
      this.seen.push(req);
      return { at: new Date(req.after.getTime() + 86_400_000), left: req.budget - 1n };
    }
  }
  const manifest: AppManifest = {
    manifestVersion: 1,
    app: { name: 'clinic', version: '1.0.0' },
    enclave: { className: 'Clinic', module: 'src/app.ts' },
    endpoints: [
      {
        name: 'nextVisit',
        method: 'next',
        input: obj({ after: date, budget: big }),
        output: obj({ at: date, left: big }),
        source: 'src/app.ts:1:1',
      },
    ],
  };
  const call = (instance: Clinic, input: unknown, name = 'nextVisit') =>
    dispatchCall(manifest, instance, { endpoint: name, input, requestId: 'r', sentAt: 0 });

  it('calls the renamed method with Date and bigint, and answers with their strings', async () => {
    const clinic = new Clinic();
    const answer = await call(clinic, { after: '2026-12-01T00:00:00.000Z', budget: '10' });
    expect(answer).toEqual({ ok: true, output: { at: '2026-12-02T00:00:00.000Z', left: '9' } });
    expect(clinic.seen).toEqual([{ after: new Date('2026-12-01T00:00:00.000Z'), budget: 10n }]);
    // The method's own name is not an endpoint name.
    expect(await call(clinic, { after: '2026-12-01T00:00:00.000Z', budget: '10' }, 'next')).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_ENDPOINT' },
    });
  });

  it('refuses a non-canonical date before the handler runs', async () => {
    const clinic = new Clinic();
    expect(await call(clinic, { after: '2026-12-01', budget: '10' })).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        path: '/after',
        expected: 'a date-time string',
        found: '"2026-12-01"',
      },
    });
    expect(clinic.seen).toEqual([]);
  });
});

describe('maxItemsOf over shared named types', () => {
  it('is computed once per definition (30 layers, two parents each: no 2^30 walk)', () => {
    const layers: Record<string, TypeSchema> = {};
    for (let i = 0; i < 30; i++) {
      layers[`T${i}`] =
        i === 29
          ? obj({ v: { type: 'number' } })
          : obj({ l: { $ref: `#/definitions/T${i + 1}` }, r: { $ref: `#/definitions/T${i + 1}` } });
    }
    // T29 holds 3 items; each layer above holds 1 + 2 × (1 + below).
    let expected = 3;
    for (let i = 28; i >= 0; i--) expected = 1 + 2 * (1 + expected);
    expect(maxItemsOf({ $ref: '#/definitions/T0' }, layers)).toBe(expected);
    expect(maxItemsOf({ $ref: '#/definitions/Folder' }, defs)).toBe(Number.POSITIVE_INFINITY);
  });
});
