import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppManifest, TypeSchema } from '@blindbox/protocol';
import { type EndpointValidators, validateValue } from '@blindbox/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileValidators } from '../src/codegen/compile-validators.js';

const golden = (name: string) => new URL(`./golden/${name}/app-manifest.golden.json`, import.meta.url);

/** The compiled validators as the enclave gets them: an ES module importing the runtime's support. */
async function load(manifest: AppManifest): Promise<EndpointValidators> {
  const dir = await mkdtemp(join(tmpdir(), 'blindbox-validators-'));
  const file = join(dir, 'validators.mjs');
  const runtime = import.meta.resolve('@blindbox/runtime');
  await writeFile(
    file,
    `import { validatorSupport } from ${JSON.stringify(runtime)};\nexport const validators = ${compileValidators(manifest, 'validatorSupport')};\n`,
  );
  return ((await import(pathToFileURL(file).href)) as { validators: EndpointValidators }).validators;
}

const junk = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer({ min: -3, max: 300 }),
  fc.double(),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.uint8Array({ maxLength: 4 }),
  fc.constant([]),
  fc.constant({}),
  fc.constant(new Map()),
);

/** Values near `schema`: mostly of its shape, with wrong values at any depth. */
function near(schema: TypeSchema, defs: Record<string, TypeSchema>, depth: number): fc.Arbitrary<unknown> {
  if (depth > 6) return junk;
  return fc.oneof({ weight: 1, arbitrary: junk }, { weight: 12, arbitrary: shaped(schema, defs, depth) });
}

function shaped(schema: TypeSchema, defs: Record<string, TypeSchema>, depth: number): fc.Arbitrary<unknown> {
  const next = (s: TypeSchema) => near(s, defs, depth + 1);
  if ('$ref' in schema) {
    const target = defs[schema.$ref.replace(/^#\/definitions\//, '')];
    return target ? next(target) : junk;
  }
  if ('anyOf' in schema) return fc.oneof(...schema.anyOf.map(next));
  if ('x-blindbox-type' in schema) return fc.uint8Array({ maxLength: (schema.maxLength ?? 6) + 2 });
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'string':
      return fc.oneof(
        fc.string({
          minLength: Math.max(0, (schema.minLength ?? 0) - 1),
          maxLength: (schema.maxLength ?? 6) + 1,
        }),
        fc.constantFrom(...(schema.enum ?? []), ...(schema.const !== undefined ? [schema.const] : []), 'x'),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constantFrom('2026-12-01', 'a@b.co', '12', '-0', 'https://x.example/'),
      );
    case 'number':
    case 'integer':
      return fc.oneof(
        fc.integer({ min: (schema.minimum ?? -5) - 2, max: (schema.maximum ?? 50) + 2 }),
        fc.constantFrom(...(schema.enum ?? [0]), 0.5, Number.NaN),
      );
    case 'array': {
      const items = fc.array(next(schema.items), {
        minLength: Math.max(0, (schema.minItems ?? 0) - 1),
        maxLength: (schema.maxItems ?? 3) + 1,
      });
      return schema.prefixItems ? fc.oneof(fc.tuple(...schema.prefixItems.map(next)), items) : items;
    }
    case 'object': {
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, field] of Object.entries(schema.properties)) model[key] = next(field);
      const extra =
        schema.additionalProperties === false
          ? junk
          : (next(schema.additionalProperties) as fc.Arbitrary<unknown>);
      return fc
        .tuple(
          fc.record(model, { requiredKeys: [] }),
          fc.option(fc.tuple(fc.constantFrom('zz', 'a/b~', '__proto__'), extra), { freq: 3 }),
        )
        .map(([record, added]) => {
          const out: Record<string, unknown> = { ...record };
          // Defined as the CBOR decoder does: an own property, even for `__proto__`.
          if (added) Object.defineProperty(out, added[0], { value: added[1], enumerable: true });
          return out;
        });
    }
    default:
      return junk;
  }
}

describe('compiled validators agree with the reference validator (differential)', () => {
  for (const name of ['all-types', 'kitchen-sink', 'hello']) {
    it(`gives the same verdict and the same issue on every value, for the ${name} fixture`, async () => {
      const manifest = JSON.parse(await readFile(golden(name), 'utf8')) as AppManifest;
      const validators = await load(manifest);
      const defs = manifest.definitions ?? {};
      let accepted = 0;
      let refused = 0;
      for (const endpoint of manifest.endpoints) {
        for (const side of ['input', 'output'] as const) {
          const schema = endpoint[side];
          fc.assert(
            fc.property(near(schema, defs, 0), (value) => {
              const reference = validateValue(value, schema, defs);
              expect(validators[endpoint.name]?.[side](value)).toEqual(reference);
              if (reference) refused++;
              else accepted++;
            }),
            { numRuns: 300, seed: 20261203 },
          );
        }
      }
      // Both verdicts were exercised, so agreement means something.
      expect(accepted).toBeGreaterThan(20);
      expect(refused).toBeGreaterThan(50);
    });
  }

  it('agrees on recursion past the depth bound, missing definitions and open maps', async () => {
    const manifest = {
      app: { name: 'x', version: '1.0.0' },
      enclave: { className: 'X', module: 'src/x.ts' },
      definitions: {
        Tree: {
          type: 'object',
          properties: { kids: { type: 'array', items: { $ref: '#/definitions/Tree' } } },
          required: ['kids'],
          additionalProperties: false,
        },
      },
      endpoints: [
        {
          name: 'tree',
          input: { $ref: '#/definitions/Tree' },
          output: { $ref: '#/definitions/Gone' },
          source: 'x',
        },
        {
          name: 'open',
          input: { type: 'object', properties: {}, required: [], additionalProperties: { type: 'number' } },
          output: { type: 'null' },
          source: 'x',
        },
      ],
    } as unknown as AppManifest;
    const validators = await load(manifest);
    const defs = manifest.definitions ?? {};
    let deep: unknown = { kids: [] };
    for (let i = 0; i < 40; i++) deep = { kids: [deep] };
    const [tree, open] = manifest.endpoints as [
      (typeof manifest.endpoints)[0],
      (typeof manifest.endpoints)[0],
    ];
    expect(validators.tree?.input(deep)).toEqual(validateValue(deep, tree.input, defs));
    expect(validators.tree?.input(deep)?.found).toBe('deeper nesting');
    expect(validators.tree?.output(1)).toEqual(validateValue(1, tree.output, defs));
    const proto: Record<string, unknown> = { a: 1 };
    Object.defineProperty(proto, '__proto__', { value: 2, enumerable: true });
    expect(validators.open?.input(proto)).toEqual(validateValue(proto, open.input, defs));
    expect(validators.open?.input(proto)?.path).toBe('/__proto__');
    expect(validators.open?.input({ 'a/b': 'x' })).toEqual({
      path: '/a~1b',
      expected: 'a finite number',
      found: 'a string',
      message: 'expected a finite number, found a string',
    });
  });

  it('is plain code: no eval, no Function constructor, and the same text for the same manifest', async () => {
    const manifest = JSON.parse(await readFile(golden('all-types'), 'utf8')) as AppManifest;
    const code = compileValidators(manifest, 'support');
    expect(code).not.toMatch(/\beval\b|\bFunction\s*\(/);
    expect(compileValidators(JSON.parse(JSON.stringify(manifest)), 'support')).toBe(code);
    // Shared schema objects (as the analysis makes them) and copies (as JSON gives back): one text.
    const shared = { type: 'string' } as const;
    const withShared = {
      ...manifest,
      endpoints: [{ name: 'x', input: shared, output: shared, source: 'x' }],
    } as unknown as AppManifest;
    expect(compileValidators(withShared, 'support')).toBe(
      compileValidators(JSON.parse(JSON.stringify(withShared)), 'support'),
    );
  });
});
