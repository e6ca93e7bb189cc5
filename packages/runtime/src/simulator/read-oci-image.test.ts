import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readOciImage } from './read-oci-image.js';

async function tarOf(
  entries: { name: string; type?: 'file' | 'symlink'; body?: string; linkname?: string }[],
) {
  const p = pack();
  for (const e of entries) {
    if (e.type === 'symlink')
      p.entry({ name: e.name, type: 'symlink', linkname: e.linkname, mtime: new Date(0) });
    else p.entry({ name: e.name, mtime: new Date(0) }, e.body ?? '');
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function writeImage(
  layers: Buffer[],
  entrypoint = ['node', '/app/main.mjs'],
  extraConfig: Record<string, unknown> = {},
  layerMediaType = 'application/vnd.oci.image.layer.v1.tar',
) {
  const dir = mkdtempSync(join(tmpdir(), 'bb-oci-'));
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (bytes: Buffer, mediaType: string) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };
  const layerDescs = layers.map((l) => put(l, layerMediaType));
  const config = put(
    Buffer.from(
      JSON.stringify({
        config: { Entrypoint: entrypoint, WorkingDir: '/app', ...extraConfig },
        rootfs: { type: 'layers' },
      }),
    ),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = put(
    Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers: layerDescs })),
    'application/vnd.oci.image.manifest.v1+json',
  );
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [manifest] }));
  return { dir, manifest };
}

describe('readOciImage', () => {
  it('reads files of all layers, later layers overriding earlier ones', async () => {
    const { dir, manifest } = writeImage([
      await tarOf([
        { name: 'app/main.mjs', body: 'one' },
        { name: 'app/a.txt', body: 'a' },
      ]),
      await tarOf([{ name: './app/main.mjs', body: 'two' }]),
    ]);
    const image = await readOciImage(dir);
    expect(image.manifestDigest).toBe(manifest.digest);
    expect(image.entrypoint).toEqual(['node', '/app/main.mjs']);
    const files = Object.fromEntries(image.files.map((f) => [f.path, Buffer.from(f.bytes).toString()]));
    expect(files).toEqual({ 'app/main.mjs': 'two', 'app/a.txt': 'a' });
  });

  it('refuses a blob whose content does not match its digest', async () => {
    const { dir } = writeImage([await tarOf([{ name: 'app/main.mjs', body: 'x' }])]);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    const hex = index.manifests[0].digest.slice(7);
    writeFileSync(join(dir, 'blobs', 'sha256', hex), '{"tampered":true}');
    await expect(readOciImage(dir)).rejects.toMatchObject({ code: 'RUNTIME_IMAGE_INVALID' });
  });

  it.each([
    [[{ name: '../escape.js', body: 'x' }]],
    [[{ name: 'app/../../escape.js', body: 'x' }]],
    [[{ name: 'app/link', type: 'symlink' as const, linkname: '/etc/passwd' }]],
    [[{ name: 'app/.wh.main.mjs', body: '' }]],
  ])('refuses unsafe layer entries %#', async (entries) => {
    const { dir } = writeImage([await tarOf(entries)]);
    await expect(readOciImage(dir)).rejects.toMatchObject({ code: 'RUNTIME_IMAGE_INVALID' });
  });

  // WorkingDir and Env are not part of the simulated measurement: a tampered config must not be able
  // to run code outside the measured files (relative paths resolved against a working directory
  // outside the root) or inject code into Node (NODE_OPTIONS=--import=data:…, NODE_PATH, …).
  it.each([
    [{ WorkingDir: '/../../tmp' }],
    [{ WorkingDir: '/app/../..' }],
    [{ Env: ['NODE_OPTIONS=--import=data:text/javascript,globalThis.leak=1'] }],
    [{ Env: ['NODE_PATH=/tmp'] }],
    // The runtime's settings come from whoever runs the simulator, never from an unmeasured config:
    // this one would serve any JSON file of the host (say, cloud credentials) in every envelope.
    [{ Env: ['BLINDBOX_RELEASE_FILE=/home/user/.docker/config.json'] }],
    [{ Env: ['LD_PRELOAD=/tmp/evil.so'] }],
    [{ Env: ['OPENSSL_CONF=/tmp/engine.cnf'] }],
    [{ Env: ['NOEQUALS'] }],
  ])('refuses an unmeasured config that changes what runs %#', async (extra) => {
    const { dir } = writeImage([await tarOf([{ name: 'app/main.mjs', body: 'x' }])], undefined, extra);
    await expect(readOciImage(dir)).rejects.toMatchObject({ code: 'RUNTIME_IMAGE_INVALID' });
  });

  it('accepts the environment and working directory the build writes', async () => {
    const { dir } = writeImage([await tarOf([{ name: 'app/main.mjs', body: 'x' }])], undefined, {
      Env: ['NODE_ENV=production'],
    });
    const image = await readOciImage(dir);
    expect(image.env).toEqual(['NODE_ENV=production']);
    expect(image.workingDir).toBe('/app');
  });

  it('refuses a folder that is not an image layout', async () => {
    await expect(readOciImage(mkdtempSync(join(tmpdir(), 'bb-empty-')))).rejects.toMatchObject({
      code: 'RUNTIME_IMAGE_INVALID',
    });
  });

  it('keeps the execute bit and nothing else of a file mode', async () => {
    const p = pack();
    p.entry({ name: 'bin/tool', mode: 0o4777, mtime: new Date(0) }, 'x');
    p.entry({ name: 'app/main.mjs', mode: 0o666, mtime: new Date(0) }, 'y');
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c as Buffer);
    const { dir } = writeImage([Buffer.concat(chunks)]);
    const image = await readOciImage(dir);
    expect(Object.fromEntries(image.files.map((f) => [f.path, f.mode.toString(8)]))).toEqual({
      'bin/tool': '755',
      'app/main.mjs': '644',
    });
  });

  // A 2 MB gzip can expand to 2 GiB: the bound is enforced while inflating.
  it('refuses a gzip layer that expands past the bound', async () => {
    const tar = await tarOf([{ name: 'app/main.mjs', body: 'x'.repeat(3 * 1024 * 1024) }]);
    const { dir } = writeImage([gzipSync(tar)], undefined, {}, 'application/vnd.oci.image.layer.v1.tar+gzip');
    await expect(readOciImage(dir, { maxImageBytes: 1024 * 1024 })).rejects.toMatchObject({
      code: 'RUNTIME_IMAGE_INVALID',
      message: expect.stringContaining('does not decompress within'),
    });
    // Within the bound the same layer reads.
    expect((await readOciImage(dir)).files[0]?.bytes.length).toBe(3 * 1024 * 1024);
  });

  it('checks a blob size before reading it whole', async () => {
    const { dir, manifest } = writeImage([await tarOf([{ name: 'app/main.mjs', body: 'x' }])]);
    const m = JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', manifest.digest.slice(7)), 'utf8'));
    // The descriptor claims more than the bound allows: refused before the file is opened.
    m.layers[0].size = 8 * 1024 ** 3;
    const bytes = Buffer.from(JSON.stringify(m));
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', hex), bytes);
    writeFileSync(
      join(dir, 'index.json'),
      JSON.stringify({ manifests: [{ ...manifest, digest: `sha256:${hex}`, size: bytes.length }] }),
    );
    await expect(readOciImage(dir)).rejects.toMatchObject({ message: expect.stringContaining('claims') });
    // The file on disk has another size than its descriptor: refused before it is read.
    m.layers[0].size = 5;
    const bytes2 = Buffer.from(JSON.stringify(m));
    const hex2 = createHash('sha256').update(bytes2).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', hex2), bytes2);
    writeFileSync(
      join(dir, 'index.json'),
      JSON.stringify({ manifests: [{ ...manifest, digest: `sha256:${hex2}`, size: bytes2.length }] }),
    );
    await expect(readOciImage(dir)).rejects.toMatchObject({
      message: expect.stringContaining('descriptor says 5'),
    });
  });
});
