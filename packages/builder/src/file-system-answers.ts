import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrings } from './compare-strings.js';

/**
 * One question the analysis asked the file system and the answer it got: a file's SHA-256 (null:
 * unreadable), whether a path is a file or a folder, a folder's entries, a real path, the working
 * folder. Replaying every question and getting the same answers proves that the analysis would
 * read exactly the same inputs again (a changed source, a new file that a module resolution would
 * now find, a changed dependency `.d.ts`). This module does not load TypeScript: the warm build
 * replays answers with it.
 */
export type FileSystemAnswer = [kind: QueryKind, path: string, answer: string | boolean | null];
export type QueryKind = 'read' | 'isFile' | 'isDir' | 'readDir' | 'realpath' | 'cwd';

/** Whether the file system still gives every recorded answer. */
export function sameAnswers(answers: readonly FileSystemAnswer[]): boolean {
  return answers.every(([kind, path, answer]) => answerNow(kind, path) === answer);
}

export function answerNow(kind: QueryKind, path: string): string | boolean | null {
  switch (kind) {
    case 'read': {
      const bytes = readBytes(path);
      return bytes === null ? null : sha256(bytes);
    }
    case 'isFile':
      return isKind(path, 'file');
    case 'isDir':
      return isKind(path, 'dir');
    case 'readDir': {
      const entries = listDir(path);
      return entries === null ? null : JSON.stringify(entries);
    }
    case 'realpath':
      return realpathOrNull(path);
    case 'cwd':
      return process.cwd();
  }
}

/** A folder's entries as [name, 'f' | 'd' | 'o'], symlinks followed, sorted; null when unreadable. */
export function listDir(dirPath: string): [string, string][] | null {
  try {
    return readdirSync(dirPath, { withFileTypes: true })
      .map((e): [string, string] => {
        const kind = e.isSymbolicLink() ? statKind(join(dirPath, e.name)) : direntKind(e);
        return [e.name, kind];
      })
      .sort((a, b) => compareStrings(a[0], b[0]));
  } catch {
    return null;
  }
}

function direntKind(e: { isFile(): boolean; isDirectory(): boolean }): string {
  if (e.isFile()) return 'f';
  return e.isDirectory() ? 'd' : 'o';
}

function statKind(path: string): string {
  try {
    return direntKind(statSync(path));
  } catch {
    return 'o';
  }
}

export function isKind(path: string, kind: 'file' | 'dir'): boolean {
  try {
    const st = statSync(path);
    return kind === 'file' ? st.isFile() : st.isDirectory();
  } catch {
    return false;
  }
}

export function readBytes(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

export function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
