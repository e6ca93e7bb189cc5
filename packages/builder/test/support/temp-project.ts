import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes a throw-away app (package.json + the given files) outside the repo, with no node_modules. */
export async function tempProject(
  files: Record<string, string>,
  pkg: Record<string, unknown> = { name: 'fixture', version: '1.2.3', type: 'module' },
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'blindbox-build-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify(pkg));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}
