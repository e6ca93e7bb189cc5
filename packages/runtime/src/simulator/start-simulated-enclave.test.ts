import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulatedEnclave } from './start-simulated-enclave.js';

async function layer(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, body] of Object.entries(files)) p.entry({ name, mtime: new Date(0) }, body);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function writeImage(dir: string, tar: Buffer, entrypoint: string[]): string {
  const imageDir = join(dir, 'image');
  mkdirSync(join(imageDir, 'blobs', 'sha256'), { recursive: true });
  const put = (bytes: Buffer, mediaType: string) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(imageDir, 'blobs', 'sha256', hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };
  const config = put(
    Buffer.from(JSON.stringify({ config: { Entrypoint: entrypoint, WorkingDir: '/app' } })),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        config,
        layers: [put(tar, 'application/vnd.oci.image.layer.v1.tar')],
      }),
    ),
    'application/vnd.oci.image.manifest.v1+json',
  );
  writeFileSync(join(imageDir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [manifest] }));
  return imageDir;
}

// A private TMPDIR: the simulator's rootfs folders are counted there, away from other tests.
let savedTmp: string | undefined;
let privateTmp: string;
beforeEach(() => {
  savedTmp = process.env.TMPDIR;
  privateTmp = mkdtempSync(join(tmpdir(), 'bb-sim-test-'));
  process.env.TMPDIR = privateTmp;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

describe('startSimulatedEnclave', () => {
  it('a failed start leaves no temporary rootfs behind', async () => {
    const work = mkdtempSync(join(privateTmp, 'work-'));
    const imageDir = writeImage(work, await layer({ 'app/main.mjs': 'process.exit(3);\n' }), [
      'node',
      '/app/main.mjs',
    ]);
    await expect(
      startSimulatedEnclave({
        imageDir,
        simRootDir: join(work, 'sim-root'),
        isolation: 'host-node',
        stdio: 'ignore',
        port: 0,
      }),
    ).rejects.toMatchObject({
      code: 'RUNTIME_SIMULATOR_UNAVAILABLE',
      message: expect.stringContaining('code 3'),
    });
    expect(readdirSync(privateTmp).filter((f) => f.startsWith('blindbox-sim-'))).toEqual([]);
  });

  it('refuses an entrypoint that reaches a host file, before unpacking anything', async () => {
    const work = mkdtempSync(join(privateTmp, 'work-'));
    const host = join(work, 'host.mjs');
    writeFileSync(host, 'console.log("unmeasured")');
    const imageDir = writeImage(work, await layer({ 'app/main.mjs': '' }), ['node', `../../..${host}`]);
    await expect(
      startSimulatedEnclave({
        imageDir,
        simRootDir: join(work, 'sim-root'),
        isolation: 'host-node',
        port: 0,
      }),
    ).rejects.toMatchObject({ code: 'RUNTIME_IMAGE_INVALID' });
    const imported = writeImage(mkdtempSync(join(privateTmp, 'work-')), await layer({ 'app/main.mjs': '' }), [
      'node',
      `--import=${host}`,
      '/app/main.mjs',
    ]);
    await expect(
      startSimulatedEnclave({
        imageDir: imported,
        simRootDir: join(work, 'sim-root'),
        isolation: 'host-node',
        port: 0,
      }),
    ).rejects.toMatchObject({ code: 'RUNTIME_IMAGE_INVALID' });
    expect(readdirSync(privateTmp).filter((f) => f.startsWith('blindbox-sim-'))).toEqual([]);
  });

  it('runc and chroot refuse a legacy image whose program is the host\'s "node"', async () => {
    const work = mkdtempSync(join(privateTmp, 'work-'));
    const imageDir = writeImage(work, await layer({ 'app/main.mjs': '' }), ['node', '/app/main.mjs']);
    for (const isolation of ['runc', 'chroot'] as const) {
      await expect(
        startSimulatedEnclave({ imageDir, simRootDir: join(work, 'sim-root'), isolation, port: 0 }),
      ).rejects.toMatchObject({
        code: expect.stringMatching(/RUNTIME_IMAGE_INVALID|RUNTIME_SIMULATOR_UNAVAILABLE/),
      });
    }
    expect(readdirSync(privateTmp).filter((f) => f.startsWith('blindbox-sim-'))).toEqual([]);
  });
});
