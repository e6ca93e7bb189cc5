import { existsSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BuildError } from './build-error.js';
import { isAppModule, listFiles } from './list-project-files.js';
import { relativePosix } from './source-location.js';

/** What the analysis starts from, read without TypeScript. */
export interface AppSources {
  /** The project folder, symlinks resolved. */
  root: string;
  /** `version` of the app's package.json. */
  version: string;
  /** The modules searched for the `@enclave` class, relative to `root`, POSIX, sorted. */
  modules: string[];
}

/** The project folder, its app version and the modules to analyse (`entry`, else every `src/**\/*.ts`). */
export async function readAppSources(projectDir: string, entry: string | undefined): Promise<AppSources> {
  const root = realProjectDir(projectDir);
  const [version, modules] = await Promise.all([readAppVersion(root), appModules(root, entry)]);
  return { root, version, modules };
}

/**
 * The project folder with symlinks resolved: the checker and esbuild report real paths, and
 * relative locations must be computed against the same form (think macOS's /var → /private/var).
 */
export function realProjectDir(projectDir: string): string {
  try {
    return realpathSync(resolve(projectDir));
  } catch (cause) {
    throw new BuildError('ANALYZE_BAD_PROJECT', `project folder ${projectDir} does not exist.`, { cause });
  }
}

async function readAppVersion(root: string): Promise<string> {
  let pkg: { version?: unknown };
  try {
    pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  } catch (cause) {
    throw new BuildError(
      'ANALYZE_BAD_PROJECT',
      'package.json is missing or is not JSON: the app folder needs one with "name" and "version".',
      { cause, at: { file: 'package.json', line: 1, column: 1 } },
    );
  }
  if (typeof pkg.version !== 'string' || pkg.version === '') {
    throw new BuildError('ANALYZE_BAD_PROJECT', 'package.json has no "version": add one, e.g. "0.1.0".', {
      at: { file: 'package.json', line: 1, column: 1 },
    });
  }
  return pkg.version;
}

async function appModules(root: string, entry: string | undefined): Promise<string[]> {
  if (entry !== undefined) {
    const rel = relativePosix(root, resolve(root, entry));
    if (rel.startsWith('../') || !existsSync(join(root, rel))) {
      throw new BuildError(
        'ANALYZE_BAD_PROJECT',
        `entry '${entry}' is not a file inside the project folder.`,
      );
    }
    return [rel];
  }
  const modules = (await listFiles(join(root, 'src'), isAppModule)).map((p) => `src/${p}`);
  if (modules.length === 0) {
    throw new BuildError(
      'ANALYZE_NO_ENCLAVE',
      'no TypeScript modules under src/: put the @enclave class in src/<name>.ts.',
    );
  }
  return modules;
}
