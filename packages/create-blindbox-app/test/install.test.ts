import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run, tempDir } from './helpers.js';

// The package managers are stand-ins on PATH (shell scripts that record how they were called), so
// that the test needs no network and does not depend on which managers this machine has.

let dir: Awaited<ReturnType<typeof tempDir>>;
let savedPath: string | undefined;
beforeEach(async () => {
  dir = await tempDir();
  savedPath = process.env['PATH'];
  const bin = join(dir.path, 'bin');
  await mkdir(bin);
  for (const [pm, code] of [
    ['npm', 0],
    ['pnpm', 0],
    ['yarn', 3],
  ] as const) {
    const script = join(bin, pm);
    await writeFile(script, `#!/bin/sh\necho "${pm} $*" >> "$PWD/.pm-calls"\nexit ${code}\n`);
    await chmod(script, 0o755);
  }
  process.env['PATH'] = `${bin}:${savedPath ?? ''}`;
});
afterEach(async () => {
  process.env['PATH'] = savedPath;
  await dir.remove();
});

describe('create-blindbox-app installs with the package manager asked for', () => {
  it.each(['npm', 'pnpm'])('--pm %s runs "<pm> install" in the new project', async (pm) => {
    const r = await run([`with-${pm}`, '--pm', pm, '--no-git'], dir.path);
    expect(r.code).toBe(0);
    expect(await readFile(join(dir.path, `with-${pm}`, '.pm-calls'), 'utf8')).toBe(`${pm} install\n`);
    expect(r.stdout).not.toContain(`${pm} install`);
    expect(r.stdout).toContain(pm === 'npm' ? 'npm run build' : 'pnpm build');
  });

  it('a failed install exits 1 with the reason, and leaves the written project to retry', async () => {
    const r = await run(['with-yarn', '--pm', 'yarn', '--no-git'], dir.path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/yarn install failed in .*with-yarn \(exit 3\); the project is written/);
    expect(await readFile(join(dir.path, 'with-yarn', '.pm-calls'), 'utf8')).toBe('yarn install\n');
    expect(JSON.parse(await readFile(join(dir.path, 'with-yarn', 'package.json'), 'utf8')).name).toBe(
      'with-yarn',
    );
  });
});
