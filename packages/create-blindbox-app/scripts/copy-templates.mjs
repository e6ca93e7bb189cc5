// prepack: copy the repository's templates/* into this package (npm pack then includes them);
// postpack (--clean): remove the copy, so the workspace run keeps reading ../../templates.
// What a template's own `_gitignore` names (a staged model, build output, keys) is what a created
// project must never commit: it is not copied either.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'templates');
const source = join(root, '..', '..', 'templates');
const SKIPPED = ['node_modules', '.blindbox', 'dist', '.turbo', 'package-lock.json', 'turbo.json'];

rmSync(out, { recursive: true, force: true });
if (process.argv.includes('--clean')) process.exit(0);
if (!existsSync(source)) throw new Error(`no templates at ${source}`);
for (const name of readdirSync(source)) {
  const template = join(source, name);
  if (!existsSync(join(template, 'package.json'))) continue;
  const ignored = [...SKIPPED, ...ignoredNames(join(template, '_gitignore'))].map(namePattern);
  cpSync(template, join(out, name), {
    recursive: true,
    filter: (src) => {
      const base = src.split('/').pop() ?? '';
      return !ignored.some((pattern) => pattern.test(base));
    },
  });
}

/** The simple entries of a `.gitignore` (`name`, `name/`, `/name`, `*.ext`), as base names. */
function ignoredNames(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'))
    .map((line) => line.replace(/^\//, '').replace(/\/$/, ''))
    .filter((line) => !line.includes('/'));
}

function namePattern(glob) {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}
