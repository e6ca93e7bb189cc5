import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzeSources } from '../src/analyze-project.js';
import { type BuildResult, buildAppWith } from '../src/build-app.js';
import { resolveCacheDir } from '../src/resolve-cache-dir.js';
import { copyHello } from './support/temp-project.js';

// The real analysis, counted: a warm build must not run it, a changed input must.
vi.mock('../src/analyze-project.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/analyze-project.js')>();
  return { ...real, analyzeSources: vi.fn(real.analyzeSources) };
});
const analyses = () => vi.mocked(analyzeSources).mock.calls.length;

let project: string;
let outDir: string;
let cold: BuildResult;

async function entriesFor(root: string): Promise<string[]> {
  const dir = join(resolveCacheDir(), 'analysis');
  const out: string[] = [];
  for (const name of await readdir(dir).catch(() => [])) {
    if ((await readFile(join(dir, name), 'utf8').catch(() => '')).includes(root)) out.push(join(dir, name));
  }
  return out;
}

beforeAll(async () => {
  project = await copyHello('blindbox-warm-');
  outDir = join(project, '.blindbox', 'build');
  cold = await buildAppWith({ projectDir: project, outDir }, {});
}, 120_000);

describe('buildApp: the warm build', () => {
  it('reuses the analysis when nothing it read changed, and writes the same bytes', async () => {
    expect(analyses()).toBe(1);
    expect(await entriesFor(project)).toHaveLength(1);
    const warm = await buildAppWith({ projectDir: project, outDir }, {});
    expect(analyses()).toBe(1);
    expect(warm.imageDigest).toBe(cold.imageDigest);
    expect(warm.manifest).toEqual(cold.manifest);
  }, 60_000);

  it('analyses again after a source edit, and the manifest follows the edit', async () => {
    const file = join(project, 'src', 'hello.ts');
    const source = await readFile(file, 'utf8');
    await writeFile(
      file,
      source.replace(
        /\n}\s*$/,
        '\n  @endpoint()\n  async echo(req: { text: string }): Promise<{ text: string }> {\n    return req;\n  }\n}\n',
      ),
    );
    const before = analyses();
    const edited = await buildAppWith({ projectDir: project, outDir }, {});
    expect(analyses()).toBe(before + 1);
    expect(edited.manifest.endpoints.map((e) => e.name)).toContain('echo');
    expect(edited.imageDigest).not.toBe(cold.imageDigest);
  }, 60_000);

  it('ignores and replaces a torn cache entry', async () => {
    const [entry] = await entriesFor(project);
    expect(entry).toBeDefined();
    const text = await readFile(entry as string, 'utf8');
    await writeFile(entry as string, text.slice(0, Math.floor(text.length / 2)));
    const before = analyses();
    const rebuilt = await buildAppWith({ projectDir: project, outDir }, {});
    expect(analyses()).toBe(before + 1);
    expect(rebuilt.manifest.endpoints.map((e) => e.name)).toContain('echo');
    expect(JSON.parse(await readFile(entry as string, 'utf8'))).toMatchObject({ manifest: rebuilt.manifest });
  }, 60_000);

  it('ignores an entry whose manifest was altered (its digest no longer matches)', async () => {
    const [entry] = await entriesFor(project);
    const parsed = JSON.parse(await readFile(entry as string, 'utf8'));
    parsed.manifest.app.name = 'tampered';
    await writeFile(entry as string, JSON.stringify(parsed));
    const before = analyses();
    const rebuilt = await buildAppWith({ projectDir: project, outDir }, {});
    expect(analyses()).toBe(before + 1);
    expect(rebuilt.manifest.app.name).toBe('hello');
  }, 60_000);

  it('reuseCache: false always analyses', async () => {
    const before = analyses();
    await buildAppWith({ projectDir: project, outDir, reuseCache: false }, {});
    expect(analyses()).toBe(before + 1);
  }, 60_000);
});
