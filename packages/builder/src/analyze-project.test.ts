import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { copyHello, tempProject } from '../test/support/temp-project.js';
import { analyzeProject } from './analyze-project.js';
import { BuildError } from './build-error.js';

async function analyzeError(files: Record<string, string>): Promise<BuildError> {
  const dir = await tempProject(files);
  const err = await analyzeProject(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof BuildError)) throw new Error(`expected a BuildError, got ${String(err)}`);
  // No output of the build may name the machine's folders.
  expect(err.message).not.toContain(dir);
  return err;
}

describe('analyzeProject: the hello template', () => {
  it('finds the enclave and both endpoints, sorted, with relative sources', async () => {
    // A copy outside the repo has no node_modules: '@blindbox/sdk' must resolve to the builder's.
    const dir = await copyHello();
    const manifest = await analyzeProject(dir);
    expect(manifest).toEqual({
      manifestVersion: 1,
      app: { name: 'hello', version: '0.1.0' },
      enclave: { className: 'Hello', module: 'src/hello.ts' },
      endpoints: [
        {
          name: 'digest',
          input: {
            type: 'object',
            properties: { data: { 'x-blindbox-type': 'bytes' } },
            required: ['data'],
            additionalProperties: false,
          },
          output: {
            type: 'object',
            properties: { size: { type: 'number' }, sha256: { type: 'string' } },
            required: ['sha256', 'size'],
            additionalProperties: false,
          },
          source: 'src/hello.ts:15:9',
        },
        {
          name: 'greet',
          input: {
            type: 'object',
            properties: { name: { type: 'string' }, language: { type: 'string', enum: ['en', 'fr'] } },
            required: ['name'],
            additionalProperties: false,
          },
          output: {
            type: 'object',
            properties: { message: { type: 'string' } },
            required: ['message'],
            additionalProperties: false,
          },
          source: 'src/hello.ts:7:9',
        },
      ],
    });
    expect(JSON.stringify(manifest)).not.toContain(dir);
  });
});

describe('analyzeProject: matching decorators by symbol', () => {
  it('accepts aliased and namespace imports of the sdk', async () => {
    const aliased = await tempProject({
      'src/app.ts': `import { enclave as e, endpoint as ep } from '@blindbox/sdk';
@e({ name: 'aliased' })
export class App {
  @ep() async ping(_r: { n: number }): Promise<{ n: number }> { return _r; }
}
`,
    });
    const m1 = await analyzeProject(aliased);
    expect([m1.app.name, m1.endpoints.map((e) => e.name)]).toEqual(['aliased', ['ping']]);

    const namespaced = await tempProject({
      'src/app.ts': `import * as sdk from '@blindbox/sdk';
@sdk.enclave({ name: 'ns' })
export class App {
  @sdk.endpoint() async ping(_r: { n: number }): Promise<{ n: number }> { return _r; }
  async notAnEndpoint(_r: { n: number }): Promise<{ n: number }> { return _r; }
}
`,
    });
    const m2 = await analyzeProject(namespaced);
    expect([m2.app.name, m2.endpoints.map((e) => e.name)]).toEqual(['ns', ['ping']]);
  });

  it('does not count a local function named enclave, and says why', async () => {
    const err = await analyzeError({
      'src/app.ts': `function enclave(_o: { name: string }) { return (_c: unknown, _x: unknown) => {}; }
@enclave({ name: 'fake' })
export class Fake {}
`,
    });
    expect(err.code).toBe('ANALYZE_NO_ENCLAVE');
    expect(err.message).toMatch(/^src\/app\.ts:2:1: .*not @blindbox\/sdk's/);
  });

  it('refuses a local endpoint function on a real enclave, naming the import to use', async () => {
    const dir = await tempProject({
      'src/app.ts': `import { enclave } from '@blindbox/sdk';
function endpoint() { return (_m: unknown, _c: unknown) => {}; }
@enclave({ name: 'app' })
export class App {
  @endpoint() async ping(_r: { n: number }): Promise<{ n: number }> { return _r; }
}
`,
    });
    const err = (await analyzeProject(dir).catch((e: unknown) => e)) as BuildError;
    expect(err).toBeInstanceOf(BuildError);
    expect(err.code).toBe('ANALYZE_NOT_SDK_DECORATOR');
    expect(`${err.file}:${err.line}:${err.column}`).toBe('src/app.ts:5:3');
    expect(err.message).toContain("import { endpoint } from '@blindbox/sdk'");
  });

  it('finds the enclave in a nested module', async () => {
    const dir = await tempProject({
      'src/index.ts': `export * from './deep/app.js';\n`,
      'src/deep/app.ts': `import { enclave } from '@blindbox/sdk';\n@enclave({ name: 'deep' })\nexport class Deep {}\n`,
      'src/deep/app.test.ts': `import { enclave } from '@blindbox/sdk';\n@enclave({ name: 'test-only' })\nexport class T {}\n`,
    });
    expect((await analyzeProject(dir)).enclave).toEqual({ className: 'Deep', module: 'src/deep/app.ts' });
  });
});

describe('analyzeProject: project-level errors', () => {
  it('ANALYZE_NO_ENCLAVE when nothing is decorated', async () => {
    const err = await analyzeError({ 'src/app.ts': 'export class App {}\n' });
    expect(err.code).toBe('ANALYZE_NO_ENCLAVE');
    expect(err.message).toMatch(/@enclave/);
  });

  it('ANALYZE_MULTIPLE_ENCLAVES names both', async () => {
    const cls = (n: string) =>
      `import { enclave } from '@blindbox/sdk';\n@enclave({ name: '${n}' })\nexport class ${n.toUpperCase()} {}\n`;
    const err = await analyzeError({ 'src/a.ts': cls('a'), 'src/b.ts': cls('b') });
    expect(err.code).toBe('ANALYZE_MULTIPLE_ENCLAVES');
    expect(err.message).toContain('A at src/a.ts:2:1');
    expect(err.message).toContain('B at src/b.ts:2:1');
    expect([err.file, err.line, err.column]).toEqual(['src/b.ts', 2, 1]);
  });

  it('ANALYZE_NOT_EXPORTED for a class that is not a named export', async () => {
    const err = await analyzeError({
      'src/app.ts': `import { enclave } from '@blindbox/sdk';\n@enclave({ name: 'app' })\nclass App {}\nexport default App;\n`,
    });
    expect(err.code).toBe('ANALYZE_NOT_EXPORTED');
    expect([err.file, err.line, err.column]).toEqual(['src/app.ts', 3, 7]);
  });

  it('ANALYZE_BAD_ENCLAVE_OPTIONS for a computed or invalid name', async () => {
    const computed = await analyzeError({
      'src/app.ts': `import { enclave } from '@blindbox/sdk';\nconst n = 'x';\n@enclave({ name: n })\nexport class App {}\n`,
    });
    expect(computed.code).toBe('ANALYZE_BAD_ENCLAVE_OPTIONS');
    const invalid = await analyzeError({
      'src/app.ts': `import { enclave } from '@blindbox/sdk';\n@enclave({ name: 'Bad Name' })\nexport class App {}\n`,
    });
    expect(invalid.code).toBe('ANALYZE_BAD_ENCLAVE_OPTIONS');
    expect(invalid.message).toMatch(/^src\/app\.ts:2:18: /);
  });

  it('ANALYZE_BAD_PROJECT without a version', async () => {
    const dir = await tempProject({ 'src/app.ts': '' }, { name: 'x' });
    await expect(analyzeProject(dir)).rejects.toMatchObject({ code: 'ANALYZE_BAD_PROJECT' });
  });

  it('gives the same manifest with or without an explicit entry', async () => {
    const kitchenSink = fileURLToPath(new URL('../test/fixtures/kitchen-sink', import.meta.url));
    expect(await analyzeProject(kitchenSink, 'src/kitchen-sink.ts')).toEqual(
      await analyzeProject(kitchenSink),
    );
  });

  it('honours an explicit entry', async () => {
    const dir = await tempProject({
      'src/a.ts': `import { enclave } from '@blindbox/sdk';\n@enclave({ name: 'a' })\nexport class A {}\n`,
      'src/b.ts': `import { enclave } from '@blindbox/sdk';\n@enclave({ name: 'b' })\nexport class B {}\n`,
    });
    expect((await analyzeProject(dir, 'src/b.ts')).app.name).toBe('b');
    await expect(analyzeProject(dir, '../elsewhere.ts')).rejects.toMatchObject({
      code: 'ANALYZE_BAD_PROJECT',
    });
  });
});

const HEAD = `import { enclave, endpoint } from '@blindbox/sdk';\n@enclave({ name: 'app' })\nexport class App {\n`;

describe('analyzeProject: endpoint signatures', () => {
  it('ANALYZE_BAD_SIGNATURE for two parameters', async () => {
    const err = await analyzeError({
      'src/app.ts': `${HEAD}  @endpoint()\n  async two(a: { x: string }, b: { y: string }): Promise<{ ok: boolean }> { return { ok: !!a && !!b }; }\n}\n`,
    });
    expect(err.code).toBe('ANALYZE_BAD_SIGNATURE');
    expect(err.message).toMatch(/^src\/app\.ts:5:31: .*exactly one object/);
  });

  it('ANALYZE_BAD_SIGNATURE for a result that is not a Promise', async () => {
    const err = await analyzeError({
      'src/app.ts': `${HEAD}  @endpoint()\n  sync(a: { x: string }): { x: string } { return a; }\n}\n`,
    });
    expect(err.code).toBe('ANALYZE_BAD_SIGNATURE');
    expect(err.message).toMatch(/^src\/app\.ts:5:27: .*Promise/);
  });

  it('ANALYZE_BAD_SIGNATURE for a primitive parameter or result', async () => {
    const param = await analyzeError({
      'src/app.ts': `${HEAD}  @endpoint()\n  async p(a: string): Promise<{ x: string }> { return { x: a }; }\n}\n`,
    });
    expect(param.code).toBe('ANALYZE_BAD_SIGNATURE');
    const result = await analyzeError({
      'src/app.ts': `${HEAD}  @endpoint()\n  async r(a: { x: string }): Promise<string> { return a.x; }\n}\n`,
    });
    expect(result.code).toBe('ANALYZE_BAD_SIGNATURE');
  });

  it('ANALYZE_BAD_SIGNATURE for static, private and reserved names', async () => {
    // `__proto__: fn` in the generated client's object literal would set its prototype, not a method.
    for (const decl of [
      'static async s',
      'private async p',
      'async then',
      'async session',
      'async __proto__',
    ]) {
      const err = await analyzeError({
        'src/app.ts': `${HEAD}  @endpoint()\n  ${decl}(a: { x: string }): Promise<{ x: string }> { return a; }\n}\n`,
      });
      expect(err.code).toBe('ANALYZE_BAD_SIGNATURE');
    }
  });

  it('ANALYZE_BAD_SIGNATURE for @endpoint on a field or an async generator', async () => {
    const field = await analyzeError({
      'src/app.ts': `${HEAD}  @endpoint()\n  run = async (a: { x: string }) => a;\n}\n`,
    });
    expect(field.code).toBe('ANALYZE_BAD_SIGNATURE');
    expect(field.message).toMatch(/^src\/app\.ts:4:3: @endpoint marks methods only/);
    const generator = await analyzeError({
      'src/app.ts': `${HEAD}  @endpoint()\n  async *items(a: { x: string }) { yield a; }\n}\n`,
    });
    expect(generator.code).toBe('ANALYZE_BAD_SIGNATURE');
  });

  it('infers the result of an async method without a return type', async () => {
    const dir = await tempProject({
      'src/app.ts': `${HEAD}  @endpoint()\n  async echo(a: { x: string }) { return { y: a.x, n: 1 }; }\n}\n`,
    });
    const [endpoint] = (await analyzeProject(dir)).endpoints;
    expect(endpoint?.output).toEqual({
      type: 'object',
      properties: { y: { type: 'string' }, n: { type: 'number' } },
      required: ['n', 'y'],
      additionalProperties: false,
    });
  });

  it('ANALYZE_DUPLICATE_ENDPOINT for a name declared twice', async () => {
    const m = `  @endpoint()\n  async dup(a: { x: string }): Promise<{ x: string }> { return a; }\n`;
    const err = await analyzeError({ 'src/app.ts': `${HEAD}${m}${m}}\n` });
    expect(err.code).toBe('ANALYZE_DUPLICATE_ENDPOINT');
    expect(err.message).toMatch(/^src\/app\.ts:7:9: .*src\/app\.ts:5:9/);
  });
});

describe('analyzeProject: folders', () => {
  it('reports a missing folder, and gives the same manifest through a symlink', async () => {
    await expect(analyzeProject(join(tmpdir(), 'blindbox-no-such-folder'))).rejects.toMatchObject({
      code: 'ANALYZE_BAD_PROJECT',
    });
    const dir = await copyHello();
    const link = `${dir}-link`;
    const { symlink } = await import('node:fs/promises');
    await symlink(dir, link);
    expect(await analyzeProject(link)).toEqual(await analyzeProject(dir));
  });
});
