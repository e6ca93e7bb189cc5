import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BuildError } from './build-error.js';

/** An entry of a tar archive as read by {@link readTarEntries}. */
export interface TarEntry {
  /** Path without a leading `./` or `/`, directories without a trailing `/`. */
  path: string;
  type: string;
  mode: number;
  size: number;
  /** File content (regular files only). */
  bytes?: Buffer;
  linkname?: string;
}

/**
 * Reads every entry of an uncompressed tar. `keep` decides which regular files keep their bytes
 * (the rest are skipped unread), so a large archive is never held twice.
 */
export async function readTarEntries(
  archive: Buffer,
  what: string,
  keep: (path: string) => boolean = () => true,
): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  const ex = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const path = header.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
      const entry: TarEntry = {
        path,
        type: header.type ?? 'file',
        mode: (header.mode ?? 0) & 0o7777,
        size: header.size ?? 0,
        ...(header.linkname ? { linkname: header.linkname } : {}),
      };
      const wanted = entry.type === 'file' && keep(path);
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        if (wanted) chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        if (wanted) entry.bytes = Buffer.concat(chunks);
        out.push(entry);
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', (err) =>
      reject(new BuildError('IMAGE_WRITE_FAILED', `${what} is not a valid tar: ${err.message}`)),
    );
  });
  Readable.from([archive]).pipe(ex);
  await done;
  return out;
}
