import { readdirSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import validateName from 'validate-npm-package-name';
import { ScaffoldError } from './scaffold-error.js';

/** Where the project goes and what it is called. */
export interface Target {
  /** Absolute folder. */
  dir: string;
  /** The package name: the folder's own name. */
  name: string;
  /** The folder already exists (empty). */
  exists: boolean;
}

/**
 * Resolves and checks the target folder before anything is written: its name must be a valid name
 * for a new npm package, and the folder must not exist or be empty (nothing is ever overwritten).
 */
export function checkTarget(dir: string, cwd = process.cwd()): Target {
  const abs = resolve(cwd, dir);
  const name = basename(abs);
  checkName(name);
  let exists = false;
  try {
    const st = statSync(abs);
    exists = true;
    if (!st.isDirectory()) {
      throw new ScaffoldError(
        'CREATE_TARGET_NOT_EMPTY',
        `${abs} exists and is not a folder: choose another name`,
      );
    }
    const entries = readdirSync(abs);
    if (entries.length > 0) {
      throw new ScaffoldError(
        'CREATE_TARGET_NOT_EMPTY',
        `${abs} is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}): choose a new folder, or empty this one`,
      );
    }
  } catch (err) {
    if (err instanceof ScaffoldError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { dir: abs, name, exists };
}

/** Throws unless `name` is valid for a new npm package (lowercase, URL-safe, not a core module…). */
export function checkName(name: string): void {
  const result = validateName(name);
  if (!result.validForNewPackages) {
    const reasons = [...(result.errors ?? []), ...(result.warnings ?? [])];
    throw new ScaffoldError(
      'CREATE_INVALID_NAME',
      `${JSON.stringify(name)} is not a valid npm package name: ${reasons.join('; ')}`,
    );
  }
}
