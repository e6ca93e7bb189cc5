import type { TypeSchema } from '@blindbox/protocol';
import { describe, expect, it } from 'vitest';
import { tempProject } from '../test/support/temp-project.js';
import { analyzeProject } from './analyze-project.js';
import { BuildError } from './build-error.js';

/** Analyzes an app whose only endpoint takes `input` (declarations in `prelude`) and returns it. */
async function schemaOf(prelude: string, input: string): Promise<TypeSchema> {
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
  const [endpoint] = (await analyzeProject(dir)).endpoints;
  if (!endpoint) throw new Error('no endpoint');
  return endpoint.input;
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
    ['Date', sig('{ when: Date }'), '', '5:20', /property 'when' has type 'Date'.*built-in Date/],
    ['Map', sig('{ m: Map<string, number> }'), '', '5:20', /'Map<string, number>'.*built-in Map/],
    ['symbol', sig('{ s: symbol }'), '', '5:20', /'symbol'/],
    ['bigint', sig('{ big: bigint }'), '', '5:20', /'bigint'/],
    ['object', sig('{ o: object }'), '', '5:20', /'object'/],
    ['index signature', sig('{ r: Record<string, number> }'), '', '5:20', /index signatures/],
    ['tuple', sig('{ t: [string, number] }'), '', '5:20', /tuples/],
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
    ['recursion', sig('{ t: Tree }'), 'interface Tree { kids: Tree[] }', '7:18', /recursive/],
    [
      'in another module',
      sig('Input'),
      "import type { Input } from './types.js';",
      '2:3',
      /property 'when' has type 'Date'/,
    ],
    [
      'in the result',
      'async run(req: { a: string }): Promise<{ at: Date }>',
      '',
      '5:44',
      /property 'at' has type 'Date'/,
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
      'src/types.ts': 'export interface Input {\n  when: Date;\n}\n',
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
