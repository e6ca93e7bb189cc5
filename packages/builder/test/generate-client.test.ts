import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { AppManifest } from '@blindbox/protocol';
import { describe, expect, it } from 'vitest';
import { analyzeProject } from '../src/analyze-project.js';
import { BuildError } from '../src/build-error.js';
import { prettyCanonicalJson } from '../src/canonical-json.js';
import { type GeneratedClient, generateClient, pascalCase } from '../src/generate-client.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('../', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');
const fixtures = {
  hello: join(repoRoot, 'templates', 'hello'),
  'kitchen-sink': join(packageDir, 'test', 'fixtures', 'kitchen-sink'),
  'all-types': join(packageDir, 'test', 'fixtures', 'all-types'),
};
const update = process.env.UPDATE_GOLDEN === '1';

/** A fixed release, so the golden files do not change whenever the runtime's bytes do. */
function fixedRelease(manifest: AppManifest) {
  return {
    app: manifest.app.name,
    version: manifest.app.version,
    imageDigest: `sha256:${'ab'.repeat(32)}`,
    measurements: { 'oci.imageDigest': `sha256:${'ab'.repeat(32)}`, simulated: 'cd'.repeat(48) },
  };
}

async function generate(
  name: keyof typeof fixtures,
): Promise<{ manifest: AppManifest; client: GeneratedClient }> {
  const manifest = await analyzeProject(fixtures[name]);
  return { manifest, client: generateClient(manifest, fixedRelease(manifest), '0.1.0') };
}

async function expectGolden(file: string, actual: string): Promise<void> {
  if (update) {
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, actual);
    return;
  }
  if (!existsSync(file))
    throw new Error(`${file} is missing: run the tests with UPDATE_GOLDEN=1 and review it`);
  expect(actual, `${file} differs; if the change is intended, rerun with UPDATE_GOLDEN=1`).toBe(
    await readFile(file, 'utf8'),
  );
}

describe('generateClient: golden files', () => {
  it.each(Object.keys(fixtures) as (keyof typeof fixtures)[])('%s', async (name) => {
    const { manifest, client } = await generate(name);
    const dir = join(packageDir, 'test', 'golden', name);
    await expectGolden(join(dir, 'app-manifest.golden.json'), prettyCanonicalJson(manifest));
    await expectGolden(join(dir, 'package.golden.json'), client['package.json']);
    await expectGolden(join(dir, 'index.golden.js'), client['dist/index.js']);
    await expectGolden(join(dir, 'index.golden.d.ts'), client['dist/index.d.ts']);
    await expectGolden(join(dir, 'README.golden.md'), client['README.md']);
    // The machine-readable API description is the manifest itself.
    expect(client['app-manifest.json']).toBe(prettyCanonicalJson(manifest));
  });
});

describe('generateClient: package', () => {
  it('names the package after the app and depends on the client at the builder version', async () => {
    const { client } = await generate('hello');
    expect(JSON.parse(client['package.json'])).toMatchObject({
      name: 'hello-client',
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      dependencies: { '@blindbox/client': '0.1.0' },
    });
    // `types` must come first in the conditions, or TypeScript never sees it.
    expect(Object.keys(JSON.parse(client['package.json']).exports['.'])[0]).toBe('types');
  });

  it('refuses endpoint names whose type names would collide', () => {
    const object = {
      type: 'object' as const,
      properties: {},
      required: [],
      additionalProperties: false as const,
    };
    const manifest: AppManifest = {
      manifestVersion: 1,
      app: { name: 'x', version: '1.0.0' },
      enclave: { className: 'X', module: 'src/x.ts' },
      endpoints: ['fooBar', 'FooBar'].map((name) => ({
        name,
        input: object,
        output: object,
        source: 'src/x.ts:1:1',
      })),
    };
    expect(() => generateClient(manifest, fixedRelease(manifest), '0.1.0')).toThrow(BuildError);
    expect(pascalCase('transcribe-audio')).toBe('TranscribeAudio');
  });
});

describe('generateClient: the JavaScript works', () => {
  it('pins the release and sends each method to its endpoint', async () => {
    const { client, manifest } = await generate('hello');
    const dir = await mkdtemp(join(tmpdir(), 'blindbox-client-js-'));
    const stub = join(dir, 'node_modules', '@blindbox', 'client');
    await mkdir(stub, { recursive: true });
    await writeFile(
      join(stub, 'package.json'),
      JSON.stringify({ name: '@blindbox/client', type: 'module', main: 'index.js' }),
    );
    await writeFile(
      join(stub, 'index.js'),
      `export const seen = [];
export async function connect(url, options) {
  seen.push({ url, options });
  return { call: async (endpoint, input) => ({ endpoint, input }) };
}
`,
    );
    await writeFile(join(dir, 'index.js'), client['dist/index.js']);
    const mod = await import(pathToFileURL(join(dir, 'index.js')).href);
    const stubMod = await import(pathToFileURL(join(stub, 'index.js')).href);
    const c = await mod.connect('https://enclave.example', { sessionTtlSeconds: 5 });
    expect(await c.greet({ name: 'Ada' })).toEqual({ endpoint: 'greet', input: { name: 'Ada' } });
    expect(await c.digest({ data: new Uint8Array(1) })).toMatchObject({ endpoint: 'digest' });
    expect(Object.isFrozen(mod.release)).toBe(true);
    expect(stubMod.seen).toEqual([
      {
        url: 'https://enclave.example',
        // The measured manifest goes along: the endpoints' limits and `idempotent` apply.
        options: { policy: { kind: 'pinned', releases: [mod.release] }, manifest, sessionTtlSeconds: 5 },
      },
    ]);
  });
});

describe('generateClient: Date and bigint cross the wire as strings', () => {
  it('sends ISO strings and decimal strings, and turns the answer back into Date and bigint', async () => {
    const { client } = await generate('all-types');
    const dir = await mkdtemp(join(tmpdir(), 'blindbox-client-wire-'));
    const stub = join(dir, 'node_modules', '@blindbox', 'client');
    await mkdir(stub, { recursive: true });
    await writeFile(
      join(stub, 'package.json'),
      JSON.stringify({ name: '@blindbox/client', type: 'module', main: 'index.js' }),
    );
    // The stand-in server echoes what it received on the wire as the answer of `tree`, and the
    // wire form of a discriminated union for `storePatient`.
    await writeFile(
      join(stub, 'index.js'),
      `export const sent = [];
export async function connect() {
  return { call: async (endpoint, input) => {
    sent.push({ endpoint, input });
    if (endpoint === 'tree') return { root: input.root, when: '2026-12-01T10:00:00.000Z',
      visits: { items: [{ kind: 'checkup', at: '2026-01-02T03:04:05.006Z', by: 'dr' }, { kind: 'phone', minutes: 5 }], next: null, total: 2 } };
    return {};
  } };
}
`,
    );
    await writeFile(join(dir, 'index.js'), client['dist/index.js']);
    const mod = await import(pathToFileURL(join(dir, 'index.js')).href);
    const { sent } = await import(pathToFileURL(join(stub, 'index.js')).href);
    const c = await mod.connect('https://x.example');
    const out = await c.tree({ root: { name: 'r', children: [] }, depth: 12345678901234567890n });
    expect(sent[0].input).toEqual({ root: { name: 'r', children: [] }, depth: '12345678901234567890' });
    expect(out.when).toBeInstanceOf(Date);
    expect(out.when.toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect(out.visits.items[0].at).toEqual(new Date('2026-01-02T03:04:05.006Z'));
    expect(out.visits.items[1]).toEqual({ kind: 'phone', minutes: 5 });
    await c.storePatient({
      patient: { born: new Date(Date.UTC(1990, 0, 1)), balanceCents: -5n },
      visits: [],
    });
    expect(sent[1].input).toEqual({
      patient: { born: '1990-01-01T00:00:00.000Z', balanceCents: '-5' },
      visits: [],
    });
    await expect(c.storePatient({ patient: { born: new Date(Number.NaN) }, visits: [] })).rejects.toThrow(
      /invalid Date/,
    );
  });
});

/**
 * Runs the real `tsc --strict` over `files` next to a generated client. '@blindbox/client' resolves
 * to the real package (packages/client, from source) when it exports what generated clients use;
 * only otherwise does a stub declaration stand in.
 */
async function typecheck(
  client: GeneratedClient,
  files: Record<string, string>,
): Promise<{ ok: boolean; output: string }> {
  const real = await realClientTypes();
  // Inside this package's node_modules, module resolution walks up to the workspace's
  // @blindbox/client; in the OS temp folder nothing but the stub is visible.
  const base = real ? join(packageDir, 'node_modules', '.cache') : tmpdir();
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, 'blindbox-typecheck-'));
  await mkdir(join(dir, 'client', 'dist'), { recursive: true });
  for (const [name, text] of Object.entries(client)) await writeFile(join(dir, 'client', name), text);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  if (!real) {
    const stub = join(dir, 'node_modules', '@blindbox', 'client');
    await mkdir(stub, { recursive: true });
    await writeFile(
      join(stub, 'package.json'),
      JSON.stringify({ name: '@blindbox/client', types: 'index.d.ts' }),
    );
    await writeFile(
      join(stub, 'index.d.ts'),
      `export interface ConnectOptions { policy: unknown; sessionTtlSeconds?: number }
export interface Session { readonly url: string; call<O = unknown>(endpoint: string, input: unknown): Promise<O> }
export declare function connect(url: string, options: ConnectOptions): Promise<Session>;
`,
    );
  }
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(repoRoot, 'tsconfig.base.json'),
      compilerOptions: { strict: true, noEmit: true, ...(real ? {} : { types: [] }) },
      files: Object.keys(files),
    }),
  );
  const result = await run(tsc, ['-p', join(dir, 'tsconfig.json')], { cwd: dir }).then(
    ({ stdout }) => ({ ok: true, output: stdout }),
    (e: { stdout: string; stderr: string }) => ({ ok: false, output: `${e.stdout}${e.stderr}` }),
  );
  await rm(dir, { recursive: true, force: true });
  return result;
}

let realTypes: boolean | undefined;
async function realClientTypes(): Promise<boolean> {
  if (realTypes !== undefined) return realTypes;
  const probe: GeneratedClient = {
    'package.json': '{}',
    'README.md': '',
    'app-manifest.json': '{}',
    'dist/index.js': '',
    'dist/index.d.ts': 'export {};\n',
  };
  realTypes = true;
  const { ok, output } = await typecheck(probe, {
    'probe.ts': `import { connect, type ConnectOptions, type Session } from '@blindbox/client';
export type Probe = [typeof connect, ConnectOptions, Session['call']];
`,
  });
  // The generated client must type-check against the real @blindbox/client: never a stub.
  if (!ok) throw new Error(`@blindbox/client's types are not usable by generated clients:\n${output}`);
  realTypes = ok;
  return realTypes;
}

const USE_HELLO = `import { connect, type GreetInput, type HelloClient, release } from './client/dist/index.js';

const client: HelloClient = await connect('https://hello.example', { sessionTtlSeconds: 60 });
const input: GreetInput = { name: 'Ada', language: 'fr' };
const greeting: string = (await client.greet(input)).message;
const digest = await client.digest({ data: new Uint8Array([1, 2, 3]) });
const size: number = digest.size;
const hex: string = digest.sha256;
const app: string = release.app;
const simulated: string | undefined = release.measurements['simulated'];
const url: string = client.session.url;
console.log(greeting, size, hex, app, simulated, url);
`;

const WRONG_CALLS = [
  "// @ts-expect-error: language is 'en' | 'fr'",
  "await client.greet({ name: 'Ada', language: 'de' });",
  '// @ts-expect-error: name is required',
  "await client.greet({ language: 'en' });",
  '// @ts-expect-error: data is bytes',
  "await client.digest({ data: 'not bytes' });",
];

const USE_ALL_TYPES = `import { connect, type Patient, type Visit } from './client/dist/index.js';
const c = await connect('https://all.example');
const patient: Patient = {
  id: 'p1', name: 'Ada', born: new Date(0), home: { street: 's', country: 'CH' },
  balanceCents: 10n, tags: ['a'], notes: { allergy: 'none' },
};
const visit: Visit = { kind: 'surgery', at: new Date(), room: 3, notes: null };
const summary = await c.storePatient({ patient, visits: [visit, { kind: 'phone', minutes: 10 }] });
const born: Date = summary.patient.born;
const big: bigint = summary.patient.balanceCents;
const lat: number = summary.location[0];
const page = await c.listPatients({ limit: 10 });
const guardian: Patient | undefined = page.items[0]?.guardian?.guardian;
const t = await c.tree({ root: { name: 'r', children: [{ name: 'c', children: [] }] }, depth: 2n });
const when: Date = t.when;
console.log(born, big, lat, guardian, when);
`;

const WRONG_ALL_TYPES = [
  '// @ts-expect-error: born is a Date, not a string',
  "await c.storePatient({ patient: { ...patient, born: '1990-01-01' }, visits: [] });",
  '// @ts-expect-error: depth is a bigint',
  "await c.tree({ root: { name: 'r', children: [] }, depth: 2 });",
  "// @ts-expect-error: 'video' is not a kind of Visit",
  "await c.storePatient({ patient, visits: [{ kind: 'video', minutes: 5 }] });",
  '// @ts-expect-error: a surgery needs a room',
  "await c.storePatient({ patient, visits: [{ kind: 'surgery', at: new Date(), notes: null }] });",
  "// @ts-expect-error: country is 'CH' | 'FR'",
  "await c.storePatient({ patient: { ...patient, home: { street: 's', country: 'DE' } }, visits: [] });",
  '// @ts-expect-error: country is declared readonly',
  "summary.patient.home.country = 'FR';",
];

describe('generateClient: the declarations type-check with tsc --strict', () => {
  it('all-types: accepts correct calls and flags wrong ones', async () => {
    const { client } = await generate('all-types');
    const result = await typecheck(client, { 'use.ts': `${USE_ALL_TYPES}${WRONG_ALL_TYPES.join('\n')}\n` });
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 60_000);

  it('all-types: each wrong call fails without its expect-error comment', async () => {
    const { client } = await generate('all-types');
    const wrong = WRONG_ALL_TYPES.filter((l) => !l.startsWith('//'));
    const result = await typecheck(client, { 'use.ts': `${USE_ALL_TYPES}${wrong.join('\n')}\n` });
    expect(result.ok).toBe(false);
    const base = USE_ALL_TYPES.split('\n').length;
    const failing = new Set(
      [...result.output.matchAll(/use\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])),
    );
    // One error on each wrong line, and none on the correct part above them.
    expect([...failing].sort((a, b) => a - b)).toEqual(wrong.map((_, i) => base + i));
  }, 60_000);

  it('accepts correct calls and flags wrong ones', async () => {
    const { client } = await generate('hello');
    const result = await typecheck(client, { 'use.ts': `${USE_HELLO}${WRONG_CALLS.join('\n')}\n` });
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 60_000);

  it('fails without the expect-error comments (so the check above can fail)', async () => {
    const { client } = await generate('hello');
    const wrong = WRONG_CALLS.filter((l) => !l.startsWith('//')).join('\n');
    const result = await typecheck(client, { 'use.ts': `${USE_HELLO}${wrong}\n` });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/use\.ts\(\d+,\d+\): error TS2322/);
    expect(result.output).toMatch(/use\.ts\(\d+,\d+\): error TS2345/);
  }, 60_000);

  it('declares every supported shape of the kitchen-sink fixture', async () => {
    const { client } = await generate('kitchen-sink');
    const result = await typecheck(client, {
      'use.ts': `import { connect } from './client/dist/index.js';
const c = await connect('https://ks.example');
const stored = await c.store({
  id: 'x',
  blob: new Uint8Array(2),
  address: { street: 's', 'postal-code': '1000', lines: [{ text: 'a' }] },
  priority: 'high',
  retries: 3,
});
const ok: true = stored.ok;
const h = await c.history({ ids: ['a'] });
const kinds: ('created' | 'deleted')[] = h.changes.map((x) => x.kind);
const cell: number | undefined = h.matrix[0]?.[0];
const t = await c.transcribeAudio({ url: 'https://x' });
console.log(ok, kinds, cell, t.text);
// @ts-expect-error: retries is 0 | 1 | 3
await c.store({ id: 'x', blob: new Uint8Array(), address: { street: 's', lines: [] }, priority: 'low', retries: 2 });
// @ts-expect-error: neither branch of the union
await c.transcribeAudio({ text: 'x' });
`,
    });
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 60_000);
});
