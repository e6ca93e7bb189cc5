import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeProject } from './analyze-project.js';
import { bundleEnclave } from './bundle-enclave.js';

const helloTemplate = fileURLToPath(new URL('../../../templates/hello', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

describe('bundleEnclave', () => {
  it('bundles hello with the real runtime, without machine paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blindbox-bundle-'));
    await cp(helloTemplate, dir, { recursive: true });
    const manifest = await analyzeProject(dir);
    const bytes = await bundleEnclave({ projectDir: dir, manifest });
    const text = Buffer.from(bytes).toString('utf8');
    await (await import('node:fs/promises')).writeFile('/tmp/bb-main.mjs', bytes);
    expect(text).not.toContain(dir);
    expect(text).not.toContain(repoRoot);
  });
});
