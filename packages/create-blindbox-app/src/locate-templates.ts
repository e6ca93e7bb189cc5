import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaffoldError } from './scaffold-error.js';

/** The templates in the order they are offered; the first is the default. */
export const TEMPLATE_ORDER = ['hello', 'transcriber', 'web'] as const;

/** This package's root folder (one level above `src/` and `dist/`). */
export function packageRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

/** The scaffolder's own release version: what the project's `@blindbox/*` dependencies are pinned to. */
export function scaffolderVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  if (!pkg.version) throw new Error('create-blindbox-app has no version in its package.json');
  return pkg.version;
}

/**
 * The folder holding the templates: `templates/` inside the published package (copied there at
 * `prepack`), else the repository's `templates/` when run from the workspace.
 */
export function templatesDir(): string {
  const root = packageRoot();
  for (const candidate of [join(root, 'templates'), join(root, '..', '..', 'templates')]) {
    if (existsSync(join(candidate, 'hello', 'package.json'))) return candidate;
  }
  throw new ScaffoldError(
    'CREATE_NO_TEMPLATES',
    `no templates found next to create-blindbox-app (${root}): reinstall it`,
    1,
  );
}

/** A template: its name, folder and one-line description (from its package.json). */
export interface TemplateInfo {
  name: string;
  dir: string;
  description: string;
}

/** The templates this scaffolder ships, known ones first in {@link TEMPLATE_ORDER}. */
export function listTemplates(dir = templatesDir()): TemplateInfo[] {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'package.json')))
    .map((e) => e.name);
  const rank = (n: string) => {
    const i = (TEMPLATE_ORDER as readonly string[]).indexOf(n);
    return i === -1 ? TEMPLATE_ORDER.length : i;
  };
  names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    const pkg = JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as { description?: string };
    return { name, dir: join(dir, name), description: pkg.description ?? '' };
  });
}

/** The template named `name`, or a {@link ScaffoldError} listing the known ones. */
export function findTemplate(name: string, templates = listTemplates()): TemplateInfo {
  const found = templates.find((t) => t.name === name);
  if (!found) {
    throw new ScaffoldError(
      'CREATE_UNKNOWN_TEMPLATE',
      `unknown template ${JSON.stringify(name)}: choose one of ${templates.map((t) => t.name).join(', ')}`,
    );
  }
  return found;
}
