/** A regular file of a tar as {@link readUstarFiles} reads it: its bytes are a view of the archive. */
export interface UstarFile {
  path: string;
  mode: number;
  bytes: Buffer;
}

const BLOCK = 512;

/**
 * The regular files of an uncompressed POSIX ustar archive (what writeTarLayer writes), their
 * bytes as views of `archive`, never copied: a 127 MB runtime layer is not held twice. Returns
 * `undefined` for anything else (a bad checksum, pax or GNU headers, links, base-256 sizes), in
 * which case the caller rebuilds the layer instead.
 */
export function readUstarFiles(archive: Buffer): UstarFile[] | undefined {
  const files: UstarFile[] = [];
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return files;
    const entry = parseHeader(header);
    if (!entry) return undefined;
    offset += BLOCK;
    if (entry.type === 'dir') continue;
    if (offset + entry.size > archive.length) return undefined;
    files.push({ path: entry.path, mode: entry.mode, bytes: archive.subarray(offset, offset + entry.size) });
    offset += Math.ceil(entry.size / BLOCK) * BLOCK;
  }
  return undefined;
}

function parseHeader(
  h: Buffer,
): { path: string; mode: number; size: number; type: 'file' | 'dir' } | undefined {
  if (field(h, 257, 6) !== 'ustar' || !checksumMatches(h)) return undefined;
  const flag = String.fromCharCode(h[156] ?? 0);
  const type = flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'dir' : undefined;
  const mode = octal(h, 100, 8);
  const size = octal(h, 124, 12);
  if (type === undefined || mode === undefined || size === undefined) return undefined;
  const name = field(h, 0, 100);
  const prefix = field(h, 345, 155);
  const path = (prefix ? `${prefix}/${name}` : name).replace(/\/$/, '');
  return { path, mode: mode & 0o7777, size, type };
}

function field(h: Buffer, start: number, length: number): string {
  const raw = h.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(h: Buffer, start: number, length: number): number | undefined {
  const text = field(h, start, length).trim();
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

function checksumMatches(h: Buffer): boolean {
  const stored = octal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  return stored === sum;
}
