import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MeasuredFile } from '@blindbox/attestation/internal';
import tar from 'tar-stream';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** An independent reader of our OCI layout, for checking the build against what is on disk. */
export async function readImage(imageDir: string) {
  const blob = (d: string) => readFile(join(imageDir, 'blobs', ...d.split(':')));
  const index = JSON.parse(await readFile(join(imageDir, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  const [desc] = index.manifests;
  if (!desc) throw new Error('empty index');
  const manifestBytes = await blob(desc.digest);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { config: Descriptor; layers: Descriptor[] };
  const config = JSON.parse((await blob(manifest.config.digest)).toString('utf8')) as {
    config: { Entrypoint: string[]; Cmd?: string[] };
    rootfs: { diff_ids: string[] };
  };
  const files = new Map<string, Uint8Array>();
  const entries: { name: string; type: string; mode: number; mtime: number; uid: number; gid: number }[] = [];
  for (const layer of manifest.layers) {
    for (const e of await untar(await blob(layer.digest))) {
      entries.push(e.header);
      if (e.header.type === 'file') files.set(e.header.name.replace(/^\.?\//, ''), e.bytes);
    }
  }
  const measured: MeasuredFile[] = [...files].map(([path, bytes]) => ({ path, bytes }));
  return { index, desc, manifestBytes, manifest, config, files: measured, entries };
}

async function untar(bytes: Buffer) {
  const out: {
    header: { name: string; type: string; mode: number; mtime: number; uid: number; gid: number };
    bytes: Uint8Array;
  }[] = [];
  const extract = tar.extract();
  await new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({
          header: {
            name: header.name,
            type: header.type ?? 'file',
            mode: header.mode ?? 0,
            mtime: header.mtime?.getTime() ?? -1,
            uid: header.uid ?? -1,
            gid: header.gid ?? -1,
          },
          bytes: new Uint8Array(Buffer.concat(chunks)),
        });
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    extract.end(bytes);
  });
  return out;
}
