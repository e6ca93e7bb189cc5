// prepack: copy the repository's templates/* into this package (npm pack then includes them);
// postpack (--clean): remove the copy, so the workspace run keeps reading ../../templates.
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'templates');
const source = join(root, '..', '..', 'templates');
const SKIPPED = new Set(['node_modules', '.blindbox', 'dist', '.turbo', 'package-lock.json', 'turbo.json']);

rmSync(out, { recursive: true, force: true });
if (process.argv.includes('--clean')) process.exit(0);
if (!existsSync(source)) throw new Error(`no templates at ${source}`);
for (const name of readdirSync(source)) {
  if (!existsSync(join(source, name, 'package.json'))) continue;
  cpSync(join(source, name), join(out, name), {
    recursive: true,
    filter: (src) => !SKIPPED.has(src.split('/').pop() ?? ''),
  });
}
