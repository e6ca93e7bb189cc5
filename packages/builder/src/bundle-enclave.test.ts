import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { copyHello, tempProject } from '../test/support/temp-project.js';
import { analyzeProject } from './analyze-project.js';
import { BuildError } from './build-error.js';
import { bundleEnclave } from './bundle-enclave.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const standIn = fileURLToPath(new URL('../test/support/runtime-stand-in.ts', import.meta.url));

async function bundleHello(dir: string, runtimeModule?: string): Promise<Uint8Array> {
  const manifest = await analyzeProject(dir);
  return bundleEnclave({ projectDir: dir, manifest, ...(runtimeModule ? { runtimeModule } : {}) });
}

describe('bundleEnclave', () => {
  it('bundles the app with the sdk and a runtime from the builder, and the result runs', async () => {
    // The stand-in keeps this test about the bundler: it only reports the class it was given.
    const dir = await copyHello('blindbox-bundle-');
    const bytes = await bundleHello(dir, standIn);
    const out = join(await mkdtemp(join(tmpdir(), 'blindbox-main-')), 'main.mjs');
    await writeFile(out, bytes);
    const { stdout } = await run(process.execPath, [out]);
    expect(JSON.parse(stdout)).toEqual({
      standIn: true,
      className: 'Hello',
      validators: ['digest', 'greet'],
    });
  });

  it('contains no absolute path of the project or of the builder, nor path comments', async () => {
    const dir = await copyHello('blindbox-bundle-');
    const text = Buffer.from(await bundleHello(dir)).toString('utf8');
    expect(text).not.toContain(dir);
    expect(text).not.toContain(repoRoot);
    expect(text).not.toMatch(/^\/\/ /m);
    expect(text).not.toContain('sourceMappingURL');
  });

  it("ignores the app's tsconfig (legacy decorators cannot change the bytes)", async () => {
    const plain = await copyHello('blindbox-bundle-');
    const legacy = await copyHello('blindbox-bundle-');
    await writeFile(
      join(legacy, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } }),
    );
    const a = await bundleHello(plain, standIn);
    const b = await bundleHello(legacy, standIn);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
  });

  it('reports an unresolvable import as BUNDLE_FAILED at its relative location', async () => {
    const dir = await tempProject({
      'src/app.ts': `import { enclave } from '@blindbox/sdk';
import { missing } from 'no-such-package';
@enclave({ name: 'app' })
export class App { x = missing; }
`,
    });
    const manifest = await analyzeProject(dir);
    const err = await bundleEnclave({ projectDir: dir, manifest }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).code).toBe('BUNDLE_FAILED');
    expect((err as BuildError).message).toContain('src/app.ts:2:25: Could not resolve "no-such-package"');
    expect((err as BuildError).message).not.toContain(dir);
  });
});
