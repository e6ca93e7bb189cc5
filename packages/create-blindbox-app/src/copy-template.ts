import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// npm pack drops or renames some dotfiles (.gitignore becomes .npmignore, .npmrc is never packed),
// so templates ship them as `_name` and the copy restores the dot.
const DOTFILES = new Set(['_gitignore', '_npmrc', '_github', '_gitattributes', '_editorconfig']);

// Never part of a template, whatever a workspace run left in it.
const SKIPPED = new Set(['node_modules', '.blindbox', 'dist', '.turbo', 'package-lock.json', 'turbo.json']);

/** The name a template file gets in the new project (`_gitignore` → `.gitignore`). */
export function projectFileName(templateName: string): string {
  return DOTFILES.has(templateName) ? `.${templateName.slice(1)}` : templateName;
}

/** Copies a template folder into `target` (which must exist), restoring dotfile names. Returns the files written. */
export async function copyTemplate(source: string, target: string): Promise<string[]> {
  const written: string[] = [];
  async function walk(from: string, to: string, rel: string): Promise<void> {
    const entries = await readdir(from, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (SKIPPED.has(entry.name)) continue;
      const name = projectFileName(entry.name);
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if (entry.isDirectory()) {
        await mkdir(join(to, name));
        await walk(join(from, entry.name), join(to, name), childRel);
      } else if (entry.isFile()) {
        await copyFile(join(from, entry.name), join(to, name));
        written.push(childRel);
      }
    }
  }
  await walk(source, target, '');
  return written;
}

/**
 * Rewrites the project's package.json: its name, a fresh version, and every `@blindbox/*` dependency
 * pinned to `blindboxVersion` (the scaffolder's own release), so that a project never floats on `*`.
 */
export async function rewritePackageJson(
  file: string,
  name: string,
  blindboxVersion: string,
): Promise<Record<string, unknown>> {
  const pkg = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  pkg['name'] = name;
  pkg['version'] = '0.1.0';
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const deps = pkg[field] as Record<string, string> | undefined;
    if (!deps) continue;
    for (const dep of Object.keys(deps)) {
      if (dep.startsWith('@blindbox/')) deps[dep] = blindboxVersion;
    }
  }
  await writeFile(file, `${JSON.stringify(pkg, null, 2)}\n`);
  return pkg;
}
