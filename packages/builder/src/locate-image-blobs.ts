import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BuildError } from './build-error.js';

/** Where one file of an image lies on disk: a whole file, or a byte range of an archive. */
interface FileRange {
  file: string;
  start: number;
  size: number;
}

/** The files of an OCI image (layout folder or oci-archive), readable without loading them all. */
export interface ImageBlobs {
  /** Size of `oci-layout`, `index.json` or `blobs/sha256/<hex>`; undefined when absent. */
  size(name: string): number | undefined;
  /** Reads a small file (index.json, a manifest) whole. */
  read(name: string): Promise<Buffer>;
  /** Streams a file from disk, so a large layer is never held in memory. */
  stream(name: string): Readable;
}

/** Finds the files of a layout folder, or the byte range of each file inside an oci-archive tarball. */
export async function locateImageBlobs(path: string): Promise<ImageBlobs> {
  const ranges = (await stat(path)).isDirectory() ? await layoutFiles(path) : await archiveFiles(path);
  const get = (name: string): FileRange => {
    const range = ranges.get(name);
    if (!range) throw new BuildError('IMAGE_INVALID', `${path} holds no ${name}`);
    return range;
  };
  return {
    size: (name) => ranges.get(name)?.size,
    async read(name) {
      const { file, start, size } = get(name);
      if (start === 0) return readFile(file);
      const handle = await open(file);
      try {
        const buf = Buffer.alloc(size);
        await handle.read(buf, 0, size, start);
        return buf;
      } finally {
        await handle.close();
      }
    },
    stream(name) {
      const { file, start, size } = get(name);
      if (size === 0) return Readable.from([]);
      return createReadStream(file, { start, end: start + size - 1 });
    },
  };
}

async function layoutFiles(dir: string): Promise<Map<string, FileRange>> {
  const out = new Map<string, FileRange>();
  const add = async (name: string) => {
    const file = join(dir, name);
    out.set(name, { file, start: 0, size: (await stat(file)).size });
  };
  for (const name of ['oci-layout', 'index.json']) await add(name).catch(() => undefined);
  for (const hex of await readdir(join(dir, 'blobs', 'sha256')).catch(() => [] as string[]))
    await add(`blobs/sha256/${hex}`);
  return out;
}

/**
 * Walks the headers of an uncompressed tar (ustar name + prefix, pax `path`/`size` records, GNU
 * long names), reading 512 bytes per entry and skipping over the contents.
 */
async function archiveFiles(file: string): Promise<Map<string, FileRange>> {
  const out = new Map<string, FileRange>();
  const handle = await open(file);
  try {
    const total = (await handle.stat()).size;
    const header = Buffer.alloc(512);
    let offset = 0;
    let pending: { path?: string; size?: number } = {};
    while (offset + 512 <= total) {
      await handle.read(header, 0, 512, offset);
      if (header.every((b) => b === 0)) break;
      const field = (at: number, len: number) => {
        const raw = header.subarray(at, at + len);
        const end = raw.indexOf(0);
        return raw.subarray(0, end < 0 ? len : end).toString('utf8');
      };
      const type = String.fromCharCode(header[156] ?? 0x30);
      let size = Number.parseInt(field(124, 12).trim() || '0', 8);
      if (pending.size !== undefined) size = pending.size;
      const body = offset + 512;
      if (body + size > total)
        throw new BuildError('IMAGE_INVALID', `${file}: truncated tar entry at byte ${offset}`);
      const readBody = async () => {
        const buf = Buffer.alloc(size);
        await handle.read(buf, 0, size, body);
        return buf;
      };
      if (type === 'x') {
        pending = { ...pending, ...parsePax(await readBody()) };
      } else if (type === 'L') {
        pending = { ...pending, path: (await readBody()).toString('utf8').replace(/\0+$/, '') };
      } else if (type === 'g') {
        // A global pax header: nothing a layout's file names depend on.
      } else {
        const prefix = field(345, 155);
        const name = pending.path ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
        const path = name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
        if (type === '0' || type === '\0') out.set(path, { file, start: body, size });
        pending = {};
      }
      offset = body + Math.ceil(size / 512) * 512;
    }
  } finally {
    await handle.close();
  }
  return out;
}

function parsePax(bytes: Buffer): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  let at = 0;
  while (at < bytes.length) {
    const space = bytes.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number.parseInt(bytes.subarray(at, space).toString('ascii'), 10);
    if (!(len > 0)) break;
    const record = bytes.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.path = value;
    else if (key === 'size') out.size = Number.parseInt(value, 10);
    at += len;
  }
  return out;
}
