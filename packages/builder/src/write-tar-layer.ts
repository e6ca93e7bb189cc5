import tar from 'tar-stream';
import { BuildError } from './build-error.js';

/** A regular file of an image layer: a path relative to the image root (no leading `/` or `./`). */
export interface LayerFile {
  path: string;
  bytes: Uint8Array;
  /** Permission bits. Default: 0o644. */
  mode?: number;
  /** SHA-256 of `bytes`, when it was just computed from them (a verified cache read). Default: computed when needed. */
  sha256?: Uint8Array;
}

const DIR_MODE = 0o755;
const FILE_MODE = 0o644;

/**
 * Writes a deterministic tar (POSIX ustar, via tar-stream) of `files`: the same files give the same
 * bytes on every machine, in every time zone (docs/design.md §6, §8).
 *
 * - every parent directory is an explicit entry (`app/`), so extractors create it with our mode;
 * - entries sorted byte-wise by name (`Buffer.compare`, not `localeCompare`): a directory `d/` is a
 *   prefix of its children, so it always precedes them;
 * - mtime = `sourceDateEpoch` as a Date (tar-stream treats a falsy mtime as "now"); uid/gid 0,
 *   uname/gname empty, modes 0755/0644; tar-stream writes no pax atime/ctime records.
 */
export async function writeTarLayer(files: readonly LayerFile[], sourceDateEpoch: number): Promise<Buffer> {
  assertTarTimestamp(sourceDateEpoch);
  const mtime = new Date(sourceDateEpoch * 1000);
  const entries = new Map<string, LayerFile | undefined>();
  for (const file of files) {
    assertImagePath(file.path);
    if (entries.has(file.path) || entries.has(`${file.path}/`)) {
      throw new BuildError('IMAGE_WRITE_FAILED', `the layer lists ${file.path} twice`);
    }
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) entries.set(`${parts.slice(0, i).join('/')}/`, undefined);
    entries.set(file.path, file);
  }
  const names = [...entries.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const finished = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const common = { mtime, uid: 0, gid: 0, uname: '', gname: '' };
  for (const name of names) {
    const file = entries.get(name);
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (file === undefined) {
        pack.entry({ ...common, name, type: 'directory', mode: DIR_MODE }, done);
      } else {
        pack.entry(
          { ...common, name, type: 'file', mode: file.mode ?? FILE_MODE, size: file.bytes.length },
          Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength),
          done,
        );
      }
    });
  }
  pack.finalize();
  await finished;
  return Buffer.concat(chunks);
}

/** Rejects paths an extractor could resolve outside the root or differently from our measurement. */
export function assertImagePath(path: string): void {
  const parts = path.split('/');
  if (path === '' || path.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new BuildError(
      'IMAGE_WRITE_FAILED',
      `image path ${JSON.stringify(path)} must be relative, without '.', '..' or empty segments`,
    );
  }
}

/** The latest timestamp tar-stream encodes correctly: it truncates seconds to a signed 32-bit int. */
export const MAX_TAR_TIMESTAMP = 2 ** 31 - 1;

/** Refuses timestamps the tar header would silently corrupt (negative, fractional, or after 2038-01-19). */
export function assertTarTimestamp(epochSeconds: number): void {
  if (!Number.isInteger(epochSeconds) || epochSeconds < 0 || epochSeconds > MAX_TAR_TIMESTAMP) {
    throw new BuildError(
      'BUILD_BAD_OPTIONS',
      `SOURCE_DATE_EPOCH must be an integer from 0 to ${MAX_TAR_TIMESTAMP} (2038-01-19), got ${epochSeconds}: the layer's tar headers cannot hold it.`,
    );
  }
}
