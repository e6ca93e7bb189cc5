import type { TypeSchema } from '@blindbox/protocol';
import { describe, expect, it } from 'vitest';
import { tempProject } from '../test/support/temp-project.js';
import { analyzeProject } from './analyze-project.js';
import { BuildError } from './build-error.js';

/** Analyzes an app whose only endpoint takes `input` (declarations in `prelude`); returns its schema and definitions. */
async function analyzed(
  prelude: string,
  input: string,
): Promise<{ input: TypeSchema; definitions: Record<string, TypeSchema> }> {
  const dir = await tempProject({
    'src/app.ts': `import { enclave, endpoint } from '@blindbox/sdk';
${prelude}
@enclave({ name: 'app' })
export class App {
  @endpoint()
  async run(req: ${input}): Promise<{ ok: boolean }> { return { ok: req !== undefined }; }
}
`,
  });
  const manifest = await analyzeProject(dir);
  const [endpoint] = manifest.endpoints;
  if (!endpoint) throw new Error('no endpoint');
  return { input: endpoint.input, definitions: manifest.definitions ?? {} };
}

/** The input schema with every (non-recursive) `$ref` replaced by its definition. */
async function schemaOf(prelude: string, input: string): Promise<TypeSchema> {
  const { input: schema, definitions } = await analyzed(prelude, input);
  const inline = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(inline);
    if (value === null || typeof value !== 'object') return value;
    const ref = (value as { $ref?: string }).$ref;
    if (ref !== undefined) return inline(definitions[ref.replace('#/definitions/', '')]);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inline(v)]));
  };
  return inline(schema) as TypeSchema;
}

const obj = (properties: Record<string, TypeSchema>, required: string[]): TypeSchema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

describe('typeToSchema: supported types', () => {
  it('converts primitives, literals, enums, optional and nullable properties', async () => {
    const schema = await schemaOf(
      '',
      `{
        s: string; n: number; b: boolean; z: null;
        lit: 'only'; one: 1; yes: true;
        lang: 'fr' | 'en' | 'de'; level: 3 | 1 | 2;
        maybe?: string; maybeUndef?: number | undefined; flag?: boolean;
        nullable: string | null; mixed: 'a' | 1 | false;
      }`,
    );
    expect(schema).toEqual(
      obj(
        {
          s: { type: 'string' },
          n: { type: 'number' },
          b: { type: 'boolean' },
          z: { type: 'null' },
          lit: { type: 'string', const: 'only' },
          one: { type: 'number', const: 1 },
          yes: { type: 'boolean', const: true },
          lang: { type: 'string', enum: ['de', 'en', 'fr'] },
          level: { type: 'number', enum: [1, 2, 3] },
          maybe: { type: 'string' },
          maybeUndef: { type: 'number' },
          flag: { type: 'boolean' },
          nullable: { anyOf: [{ type: 'null' }, { type: 'string' }] },
          mixed: {
            anyOf: [
              { type: 'boolean', const: false },
              { type: 'string', enum: ['a'] },
              { type: 'number', enum: [1] },
            ],
          },
        },
        ['b', 'lang', 'level', 'lit', 'mixed', 'n', 'nullable', 'one', 's', 'yes', 'z'],
      ),
    );
  });

  it('inlines interfaces, aliases, nested objects, arrays, bytes and generic instances', async () => {
    const schema = await schemaOf(
      `interface Point { x: number; y: number }
type Tag = { label: string };
type Box<T> = { value: T };
enum Color { Red = 'red', Blue = 'blue' }`,
      `{
        point: Point; tags: Tag[]; ro: readonly string[]; generic: Array<number>;
        nested: { deep: { bytes: Uint8Array } }; box: Box<string>; color: Color;
        partial: Partial<Point>; picked: Pick<Point, 'x'>;
      }`,
    );
    const point = obj({ x: { type: 'number' }, y: { type: 'number' } }, ['x', 'y']);
    expect(schema).toEqual(
      obj(
        {
          point,
          tags: { type: 'array', items: obj({ label: { type: 'string' } }, ['label']) },
          ro: { type: 'array', items: { type: 'string' } },
          generic: { type: 'array', items: { type: 'number' } },
          nested: obj({ deep: obj({ bytes: { 'x-blindbox-type': 'bytes' } }, ['bytes']) }, ['deep']),
          box: obj({ value: { type: 'string' } }, ['value']),
          color: { type: 'string', enum: ['blue', 'red'] },
          partial: obj({ x: { type: 'number' }, y: { type: 'number' } }, []),
          picked: obj({ x: { type: 'number' } }, ['x']),
        },
        ['box', 'color', 'generic', 'nested', 'partial', 'picked', 'point', 'ro', 'tags'],
      ),
    );
  });

  it('turns unions of object types into anyOf, and intersections into one object', async () => {
    const schema = await schemaOf(
      `type Circle = { kind: 'circle'; r: number };
type Square = { kind: 'square'; side: number };
type Named = { name: string };`,
      `{ shape: Circle | Square; both: Named & { id: number } }`,
    );
    expect(schema).toEqual(
      obj(
        {
          shape: {
            anyOf: [
              obj({ kind: { type: 'string', const: 'circle' }, r: { type: 'number' } }, ['kind', 'r']),
              obj({ kind: { type: 'string', const: 'square' }, side: { type: 'number' } }, ['kind', 'side']),
            ],
          },
          both: obj({ name: { type: 'string' }, id: { type: 'number' } }, ['id', 'name']),
        },
        ['both', 'shape'],
      ),
    );
  });

  it('accepts a union of object types as the parameter itself', async () => {
    const schema = await schemaOf('', `{ a: string } | { b: number }`);
    expect(schema).toEqual({
      anyOf: [obj({ a: { type: 'string' } }, ['a']), obj({ b: { type: 'number' } }, ['b'])],
    });
  });
});

describe('typeToSchema: streamed byte fields', () => {
  it('marks ReadableStream<Uint8Array>, AsyncIterable<Uint8Array> and the sdk ByteStream as streams', async () => {
    const schema = await schemaOf(
      "import type { ByteStream } from '@blindbox/sdk';",
      '{ a: ReadableStream<Uint8Array>; b: AsyncIterable<Uint8Array>; c: ByteStream; d: Uint8Array }',
    );
    expect(schema).toEqual(
      obj(
        {
          a: { 'x-blindbox-type': 'stream' },
          b: { 'x-blindbox-type': 'stream' },
          c: { 'x-blindbox-type': 'stream' },
          d: { 'x-blindbox-type': 'bytes' },
        },
        ['a', 'b', 'c', 'd'],
      ),
    );
  });

  it('refuses a stream of anything but bytes, and a stream below the top level', async () => {
    await expect(schemaOf('', '{ a: AsyncIterable<string> }')).rejects.toThrow(BuildError);
    await expect(schemaOf('', '{ nested: { a: ReadableStream<Uint8Array> } }')).rejects.toThrow(
      /must be a top-level member \(found at \/nested\/a\)/,
    );
    await expect(schemaOf('', '{ list: AsyncIterable<Uint8Array>[] }')).rejects.toThrow(/top-level member/);
  });
});

describe('typeToSchema: unsupported types are refused where they are written', () => {
  // Each case: the method's signature (line 5), declarations (line 7), expected line:column, message.
  const sig = (input: string) => `async run(req: ${input}): Promise<{ ok: boolean }>`;
  const cases: [string, string, string, string, RegExp][] = [
    ['any', sig('{ a: any }'), '', '5:20', /property 'a' has type 'any'/],
    ['unknown', sig('{ a: unknown }'), '', '5:20', /'unknown'/],
    ['function', sig('{ cb: () => void }'), '', '5:20', /property 'cb' has type '\(\) => void'.*functions/],
    ['Map', sig('{ m: Map<string, number> }'), '', '5:20', /'Map<string, number>'.*built-in Map/],
    ['symbol', sig('{ s: symbol }'), '', '5:20', /'symbol'/],
    ['bigint literal', sig('{ big: 5n }'), '', '5:20', /'5n'.*use `bigint`/],
    ['object', sig('{ o: object }'), '', '5:20', /'object'/],
    ['number index signature', sig('{ r: { [k: number]: string } }'), '', '5:20', /number index signatures/],
    ['tuple with an optional element', sig('{ t: [string, number?] }'), '', '5:20', /optional or rest/],
    ['string | Date', sig('{ t: string | Date }'), '', '5:20', /cannot tell/],
    // In the manifest inlined into the bundle (a JS object literal) and in the schema built here by
    // assignment, a "__proto__" key sets the prototype instead: the field would vanish silently.
    ['__proto__ property', sig("{ '__proto__': string }"), '', '5:20', /'__proto__'.*prototype/],
    [
      'class with methods',
      sig('{ m: Money }'),
      'class Money { amount = 1; add() { return 2; } }',
      '7:27',
      /class instances/,
    ],
    [
      'undefined on a required property',
      sig('{ a: string | undefined }'),
      '',
      '5:20',
      /make the property optional/,
    ],
    ['implicit any parameter', 'async run(req)', '', '5:13', /parameter 'req' has type 'any'/],
    ['open generic', 'async run<T>(req: T): Promise<{ ok: boolean }>', '', '5:16', /generic/],
    ['open generic in a type', sig('{ t: Box }'), 'interface Box { f: <T>(x: T) => T }', '7:17', /functions/],
    [
      'in another module',
      sig('Input'),
      "import type { Input } from './types.js';",
      '2:3',
      /property 'when' has type 'symbol'/,
    ],
    [
      'in the result',
      'async run(req: { a: string }): Promise<{ at: symbol }>',
      '',
      '5:44',
      /property 'at' has type 'symbol'/,
    ],
  ];

  it.each(cases)('%s', async (name, signature, prelude, at, message) => {
    const dir = await tempProject({
      'src/app.ts': `import { enclave, endpoint } from '@blindbox/sdk';
@enclave({ name: 'app' })
export class App {
  @endpoint()
  ${signature} { return { ok: req !== undefined } as never; }
}
${prelude}
`,
      'src/types.ts': 'export interface Input {\n  when: symbol;\n}\n',
    });
    const err = await analyzeProject(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const e = err as BuildError;
    expect(e.code).toBe('ANALYZE_UNSUPPORTED_TYPE');
    expect(`${e.file}:${e.line}:${e.column}`).toBe(
      `${name === 'in another module' ? 'src/types.ts' : 'src/app.ts'}:${at}`,
    );
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`${e.file}:${e.line}:${e.column}: `)).toBe(true);
    expect(e.message).toContain('Endpoints carry string, number, boolean');
    expect(e.message).not.toContain(dir);
  });
});

describe('typeToSchema: named types are emitted once', () => {
  it('puts interfaces, aliases, enums and generic instances in definitions, referenced by $ref', async () => {
    const { input, definitions } = await analyzed(
      `interface User { id: string; best?: User; friends: User[] }
type Page<T> = { items: T[]; next: string | null };
enum Color { Red = 'red', Blue = 'blue' }`,
      '{ a: User; b: User; page: Page<User>; color: Color }',
    );
    expect(input).toEqual(
      obj(
        {
          a: { $ref: '#/definitions/User' },
          b: { $ref: '#/definitions/User' },
          page: { $ref: '#/definitions/Page_User' },
          color: { $ref: '#/definitions/Color' },
        },
        ['a', 'b', 'color', 'page'],
      ),
    );
    expect(definitions).toEqual({
      Color: { type: 'string', enum: ['blue', 'red'] },
      Page_User: obj(
        {
          items: { type: 'array', items: { $ref: '#/definitions/User' } },
          next: { anyOf: [{ type: 'null' }, { type: 'string' }] },
        },
        ['items', 'next'],
      ),
      // Recursive: the definition refers to itself instead of being inlined forever.
      User: obj(
        {
          id: { type: 'string' },
          best: { $ref: '#/definitions/User' },
          friends: { type: 'array', items: { $ref: '#/definitions/User' } },
        },
        ['friends', 'id'],
      ),
    });
  });

  it('keeps the output linear: 30 layered types shared by two parents each give 30 definitions', async () => {
    const layers = Array.from({ length: 30 }, (_, i) =>
      i === 29 ? `interface T${i} { v: number }` : `interface T${i} { left: T${i + 1}; right: T${i + 1} }`,
    ).join('\n');
    const { definitions } = await analyzed(layers, '{ root: T0 }');
    expect(Object.keys(definitions)).toHaveLength(30);
    // Inlined, T0 would hold 2^29 copies of T29.
    expect(JSON.stringify(definitions).length).toBeLessThan(30 * 200);
  });
});

describe('typeToSchema: Date, bigint, tuples, records, constraints', () => {
  it('maps Date and bigint to tagged strings, tuples to prefixItems, Record<string, T> to additionalProperties', async () => {
    const schema = await schemaOf(
      '',
      '{ at: Date; big: bigint; pair: readonly [string, number]; same: [number, number]; tally: Record<string, number> }',
    );
    expect(schema).toEqual(
      obj(
        {
          at: { type: 'string', format: 'date-time', 'x-blindbox-js': 'Date' },
          big: { type: 'string', pattern: '^-?(0|[1-9][0-9]*)$', 'x-blindbox-js': 'bigint' },
          pair: {
            type: 'array',
            prefixItems: [{ type: 'string' }, { type: 'number' }],
            items: { anyOf: [{ type: 'number' }, { type: 'string' }] },
            minItems: 2,
            maxItems: 2,
          },
          same: {
            type: 'array',
            prefixItems: [{ type: 'number' }, { type: 'number' }],
            items: { type: 'number' },
            minItems: 2,
            maxItems: 2,
          },
          tally: { type: 'object', properties: {}, required: [], additionalProperties: { type: 'number' } },
        },
        ['at', 'big', 'pair', 'same', 'tally'],
      ),
    );
  });

  it('carries JSDoc constraint tags into the schema', async () => {
    const schema = await schemaOf(
      '',
      `{
        /** @minLength 1 @maxLength 80 @pattern ^[A-Z] */
        name: string;
        /** @integer @minimum 0 @exclusiveMaximum 150 */
        age: number;
        /** @format email */
        email?: string;
        /** @minItems 1 @maxItems 3 */
        tags: string[];
        /** @maxLength 1024 */
        photo: Uint8Array;
      }`,
    );
    expect(schema).toEqual(
      obj(
        {
          name: { type: 'string', minLength: 1, maxLength: 80, pattern: '^[A-Z]' },
          age: { type: 'integer', minimum: 0, exclusiveMaximum: 150 },
          email: { type: 'string', format: 'email' },
          tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3 },
          photo: { 'x-blindbox-type': 'bytes', maxLength: 1024 },
        },
        ['age', 'name', 'photo', 'tags'],
      ),
    );
  });

  it('refuses a constraint that does not fit its type, where it is written', async () => {
    const err = (await schemaOf('', '{\n  /** @maxLength 3 */\n  n: number }').catch(
      (e: unknown) => e,
    )) as BuildError;
    expect(err).toBeInstanceOf(BuildError);
    expect(err.code).toBe('ANALYZE_BAD_CONSTRAINT');
    expect(err.message).toMatch(
      /property 'n': @maxLength 3 does not fit its type: @maxLength applies to string/,
    );
  });
});

describe('analysis errors: all at once', () => {
  it('reports every unsupported type of every endpoint in one error', async () => {
    const dir = await tempProject({
      'src/app.ts': `import { enclave, endpoint } from '@blindbox/sdk';
@enclave({ name: 'app' })
export class App {
  @endpoint()
  async a(req: { f: () => void; s: symbol }): Promise<{ ok: boolean }> { return { ok: !!req }; }
  @endpoint()
  async b(req: { u: unknown }): Promise<{ m: Map<string, string> }> { return { m: new Map() } as never; }
  @endpoint()
  async c(x: { a: string }, y: { b: string }): Promise<{ ok: boolean }> { return { ok: !!x && !!y }; }
}
`,
    });
    const err = (await analyzeProject(dir).catch((e: unknown) => e)) as BuildError;
    expect(err).toBeInstanceOf(BuildError);
    const listed = (err.errors ?? []).map((e) => `${e.code} ${e.file}:${e.line}:${e.column}`);
    expect(listed).toEqual([
      'ANALYZE_BAD_SIGNATURE src/app.ts:9:29',
      'ANALYZE_UNSUPPORTED_TYPE src/app.ts:5:18',
      'ANALYZE_UNSUPPORTED_TYPE src/app.ts:5:33',
      'ANALYZE_UNSUPPORTED_TYPE src/app.ts:7:18',
      'ANALYZE_UNSUPPORTED_TYPE src/app.ts:7:43',
    ]);
    expect(err.message).toMatch(/4 more problems:\n {2}src\/app\.ts:5:18: property 'f'/);
  });
});

describe('typeToSchema: types from another workspace package', () => {
  it('follows an import into a linked package and names its types once', async () => {
    const dir = await tempProject({
      'src/app.ts': `import { enclave, endpoint } from '@blindbox/sdk';
import type { Patient } from '@acme/shared';
@enclave({ name: 'app' })
export class App {
  @endpoint()
  async run(req: { a: Patient; b: Patient }): Promise<{ ok: boolean }> { return { ok: !!req }; }
}
`,
      'node_modules/@acme/shared/package.json': JSON.stringify({
        name: '@acme/shared',
        type: 'module',
        exports: { '.': { types: './src/index.ts' } },
      }),
      'node_modules/@acme/shared/src/index.ts':
        'export interface Patient { id: string; born: Date; visits: Visit[] }\nexport type Visit = { at: Date };\n',
    });
    const manifest = await analyzeProject(dir);
    expect(manifest.endpoints[0]?.input).toEqual(
      obj({ a: { $ref: '#/definitions/Patient' }, b: { $ref: '#/definitions/Patient' } }, ['a', 'b']),
    );
    expect(Object.keys(manifest.definitions ?? {})).toEqual(['Patient', 'Visit']);
  });

  it('locates a problem in a package type at the app property that uses it', async () => {
    const dir = await tempProject({
      'src/app.ts': `import { enclave, endpoint } from '@blindbox/sdk';
import type { Handle } from '@acme/shared';
@enclave({ name: 'app' })
export class App {
  @endpoint()
  async run(req: { h: Handle }): Promise<{ ok: boolean }> { return { ok: !!req }; }
}
`,
      'node_modules/@acme/shared/package.json': JSON.stringify({
        name: '@acme/shared',
        types: './index.d.ts',
      }),
      'node_modules/@acme/shared/index.d.ts': 'export interface Handle { close(): void }\n',
    });
    const err = (await analyzeProject(dir).catch((e: unknown) => e)) as BuildError;
    expect(err).toBeInstanceOf(BuildError);
    expect(`${err.file}:${err.line}:${err.column}`).toBe('src/app.ts:6:20');
    expect(err.message).toMatch(/property 'close' of property 'h' has type 'Handle'.*methods/);
  });
});
