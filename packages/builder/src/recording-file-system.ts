import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileSystemHost, RuntimeDirEntry } from 'ts-morph';
import * as morph from 'ts-morph';
import { compareStrings } from './compare-strings.js';
import {
  type FileSystemAnswer,
  isKind,
  listDir,
  type QueryKind,
  readBytes,
  realpathOrNull,
  sha256,
} from './file-system-answers.js';

/**
 * A read-only {@link FileSystemHost} over the real file system that records every answer
 * (see {@link FileSystemAnswer}). Writes are refused: the analysis never writes.
 */
export class RecordingFileSystem implements FileSystemHost {
  readonly #answers = new Map<string, FileSystemAnswer>();

  /** Every answer given, each question once, in a stable order. */
  answers(): FileSystemAnswer[] {
    return [...this.#answers.values()].sort((a, b) => compareStrings(`${a[0]}\0${a[1]}`, `${b[0]}\0${b[1]}`));
  }

  #note(kind: QueryKind, path: string, answer: string | boolean | null): void {
    this.#answers.set(`${kind}\0${path}`, [kind, path, answer]);
  }

  isCaseSensitive(): boolean {
    return process.platform !== 'win32' && process.platform !== 'darwin';
  }

  readDirSync(dirPath: string): RuntimeDirEntry[] {
    const entries = listDir(dirPath);
    this.#note('readDir', dirPath, entries === null ? null : JSON.stringify(entries));
    if (entries === null) throw notFound('directory', dirPath);
    return entries.map(([name, kind]) => ({
      name: join(dirPath, name),
      isFile: kind === 'f',
      isDirectory: kind === 'd',
      isSymlink: false,
    }));
  }

  readFileSync(filePath: string): string {
    const bytes = readBytes(filePath);
    this.#note('read', filePath, bytes === null ? null : sha256(bytes));
    if (bytes === null) throw notFound('file', filePath);
    return bytes.toString('utf8');
  }

  async readFile(filePath: string): Promise<string> {
    let bytes: Buffer | null;
    try {
      bytes = await readFile(filePath);
    } catch {
      bytes = null;
    }
    this.#note('read', filePath, bytes === null ? null : sha256(bytes));
    if (bytes === null) throw notFound('file', filePath);
    return bytes.toString('utf8');
  }

  fileExistsSync(filePath: string): boolean {
    const answer = isKind(filePath, 'file');
    this.#note('isFile', filePath, answer);
    return answer;
  }

  async fileExists(filePath: string): Promise<boolean> {
    return this.fileExistsSync(filePath);
  }

  directoryExistsSync(dirPath: string): boolean {
    const answer = isKind(dirPath, 'dir');
    this.#note('isDir', dirPath, answer);
    return answer;
  }

  async directoryExists(dirPath: string): Promise<boolean> {
    return this.directoryExistsSync(dirPath);
  }

  realpathSync(path: string): string {
    const real = realpathOrNull(path);
    this.#note('realpath', path, real);
    if (real === null) throw notFound('file', path);
    return real;
  }

  getCurrentDirectory(): string {
    const cwd = process.cwd();
    this.#note('cwd', '', cwd);
    return cwd;
  }

  glob(): Promise<string[]> {
    return Promise.reject(refused('glob'));
  }
  globSync(): string[] {
    throw refused('glob');
  }
  delete(): Promise<void> {
    return Promise.reject(refused('delete'));
  }
  deleteSync(): void {
    throw refused('delete');
  }
  writeFile(): Promise<void> {
    return Promise.reject(refused('write'));
  }
  writeFileSync(): void {
    throw refused('write');
  }
  mkdir(): Promise<void> {
    return Promise.reject(refused('mkdir'));
  }
  mkdirSync(): void {
    throw refused('mkdir');
  }
  move(): Promise<void> {
    return Promise.reject(refused('move'));
  }
  moveSync(): void {
    throw refused('move');
  }
  copy(): Promise<void> {
    return Promise.reject(refused('copy'));
  }
  copySync(): void {
    throw refused('copy');
  }
}

/**
 * ts-morph tells a missing file from other errors by its own error classes (`instanceof`), which it
 * exports at run time but not in its type declarations.
 */
const { FileNotFoundError, DirectoryNotFoundError } = morph as unknown as Record<
  'FileNotFoundError' | 'DirectoryNotFoundError',
  new (
    path: string,
  ) => Error
>;

function notFound(what: 'file' | 'directory', path: string): Error {
  return what === 'file' ? new FileNotFoundError(path) : new DirectoryNotFoundError(path);
}

function refused(operation: string): Error {
  return new Error(`the analysis does not ${operation} files`);
}
