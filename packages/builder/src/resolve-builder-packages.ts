import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Resolve from this file, not from the app: the app folder may have no node_modules at all, and the
// sdk/runtime that end up in the image must be the ones this builder was released with.
const requireHere = createRequire(import.meta.url);

/** The real (symlink-free) folder of a package installed next to this builder. */
export function builderPackageDir(name: string): string {
  return dirname(realpathSync(requireHere.resolve(`${name}/package.json`)));
}

interface PackageJson {
  name?: string;
  version?: string;
  exports?: Record<string, unknown>;
  types?: string;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/**
 * The TypeScript entry of an installed `@blindbox/*` package for the analysis: its source
 * (`@blindbox/source` condition; the packages ship `src`) when present, else its declarations.
 */
export function builderPackageTypesEntry(name: string): string {
  const dir = builderPackageDir(name);
  const pkg = readPackageJson(dir);
  const root = pkg.exports?.['.'];
  const conditions = typeof root === 'object' && root !== null ? (root as Record<string, unknown>) : {};
  for (const candidate of [conditions['@blindbox/source'], conditions['types'], pkg.types]) {
    if (typeof candidate === 'string' && existsSync(join(dir, candidate))) return join(dir, candidate);
  }
  throw new Error(`${name} at ${dir} has neither its source nor its type declarations`);
}

/** This builder's own name and version, for the release statement and the client's dependency. */
export function builderIdentity(): { name: string; version: string } {
  // Walk up from this module: works from src/ (tests), dist/ (published) and from a test bundle.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = readPackageJson(dir);
      if (pkg.name === '@blindbox/builder' && pkg.version) return { name: pkg.name, version: pkg.version };
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const pkg = readPackageJson(builderPackageDir('@blindbox/builder'));
  return { name: '@blindbox/builder', version: pkg.version ?? '0.0.0' };
}
