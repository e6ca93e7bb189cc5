import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compareStrings } from './compare-strings.js';

// Never part of an app's sources: dependencies, VCS data and our own output.
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.blindbox', 'dist']);

/**
 * Files under `dir` (recursively), as POSIX paths relative to `dir`, sorted byte-wise. Symlinks are
 * not followed, so a build reads only what is inside the project.
 */
export async function listFiles(
  dir: string,
  filter: (relPath: string) => boolean = () => true,
): Promise<string[]> {
  const out: string[] = [];
  async function walk(abs: string, rel: string): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(join(abs, entry.name), childRel);
      } else if (entry.isFile() && filter(childRel)) {
        out.push(childRel);
      }
    }
  }
  await walk(dir, '');
  return out.sort(compareStrings);
}

/** The app's TypeScript modules under `src/`: not declarations, not tests. */
export function isAppModule(relPath: string): boolean {
  return (
    /\.(ts|mts)$/.test(relPath) &&
    !/\.d\.(ts|mts)$/.test(relPath) &&
    !/\.(test|spec)\.(ts|mts)$/.test(relPath)
  );
}
