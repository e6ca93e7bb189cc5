import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The hello template in this repository. */
export const helloTemplate = fileURLToPath(new URL('../../../../templates/hello', import.meta.url));

/** What a build or an install leaves in a project: never copied (a build's image is about 130 MB). */
const NOT_SOURCE = new Set(['.blindbox', 'node_modules']);

/** Copies the hello template's own files (not its build output nor its node_modules) to `dest`. */
export async function copyHelloTo(dest: string): Promise<string> {
  await cp(helloTemplate, dest, {
    recursive: true,
    filter: (src) => !NOT_SOURCE.has(relative(helloTemplate, src).split(sep)[0] ?? ''),
  });
  return dest;
}

/** A copy of the hello template's own files in a new temporary folder named with `prefix`. */
export async function copyHello(prefix = 'blindbox-hello-'): Promise<string> {
  return copyHelloTo(await mkdtemp(join(tmpdir(), prefix)));
}

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
