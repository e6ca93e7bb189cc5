import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { locateImageBlobs } from '../src/locate-image-blobs.js';

const gnuTar = '/usr/bin/tar';
const long = `blobs/sha256/${'a'.repeat(64)}/${'n'.repeat(120)}`;

/** Writes the same files as a real tar in the given format (GNU tar: ustar, pax, gnu long names). */
async function archive(format: string): Promise<{ file: string; files: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bb-locate-'));
  const files: Record<string, string> = {
    'oci-layout': '{"imageLayoutVersion":"1.0.0"}',
    'index.json': '{"manifests":[]}',
    [`blobs/sha256/${'b'.repeat(64)}`]: 'x'.repeat(1500),
    'blobs/sha256/empty': '',
  };
  if (format !== 'ustar') files[long] = 'long name';
  for (const [name, body] of Object.entries(files)) {
    await mkdir(join(dir, 'src', name, '..'), { recursive: true });
    await writeFile(join(dir, 'src', name), body);
  }
  const file = join(dir, 'image.tar');
  execFileSync(gnuTar, [`--format=${format}`, '-cf', file, '-C', join(dir, 'src'), ...Object.keys(files)]);
  return { file, files };
}

describe.skipIf(!existsSync(gnuTar) && process.env.CI === undefined)(
  'locateImageBlobs reads an oci-archive in place (needs /usr/bin/tar)',
  () => {
    it.each(['ustar', 'pax', 'gnu'])('finds every file of a %s tar by its byte range', async (format) => {
      const { file, files } = await archive(format);
      const blobs = await locateImageBlobs(file);
      for (const [name, body] of Object.entries(files)) {
        expect(blobs.size(name), name).toBe(Buffer.byteLength(body));
        expect((await blobs.read(name)).toString(), name).toBe(body);
        expect(await text(blobs.stream(name)), name).toBe(body);
      }
      expect(blobs.size('absent')).toBeUndefined();
      expect(() => blobs.stream('absent')).toThrow(expect.objectContaining({ code: 'IMAGE_INVALID' }));
    });
  },
);
