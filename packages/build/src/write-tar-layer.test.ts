import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { BuildError } from './build-error.js';
import { writeTarLayer } from './write-tar-layer.js';

async function headers(bytes: Buffer) {
  const out: tar.Header[] = [];
  const extract = tar.extract();
  await new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      out.push(header);
      stream.on('end', next);
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    extract.end(bytes);
  });
  return out;
}

const file = (path: string, text = path) => ({ path, bytes: new TextEncoder().encode(text) });

describe('writeTarLayer', () => {
  it('lists directories explicitly and sorts entries byte-wise, not by locale', async () => {
    const tarBytes = await writeTarLayer(
      [
        file('app/b.js'),
        file('app/Z.js'),
        file('app/ä.js'),
        file('app/a-b/c.js'),
        file('app/a.js'),
        file('README'),
      ],
      0,
    );
    expect((await headers(tarBytes)).map((h) => h.name)).toEqual([
      'README',
      'app/',
      'app/Z.js',
      'app/a-b/',
      'app/a-b/c.js',
      'app/a.js',
      'app/b.js',
      'app/ä.js',
    ]);
  });

  it('fixes owner, modes and mtime (a Date, so 0 stays 0)', async () => {
    const hs = await headers(await writeTarLayer([file('app/x'), { ...file('app/run'), mode: 0o755 }], 0));
    for (const h of hs) {
      expect([h.uid, h.gid, h.uname, h.gname, h.mtime?.getTime()]).toEqual([0, 0, '', '', 0]);
      expect(h.pax ?? null).toBeNull();
    }
    expect(hs.map((h) => [h.name, h.type, h.mode?.toString(8)])).toEqual([
      ['app/', 'directory', '755'],
      ['app/run', 'file', '755'],
      ['app/x', 'file', '644'],
    ]);
  });

  it('gives the same bytes for the same files in any input order', async () => {
    const files = [file('a/1'), file('b/2'), file('a/3')];
    const one = await writeTarLayer(files, 1_700_000_000);
    const two = await writeTarLayer([...files].reverse(), 1_700_000_000);
    expect(Buffer.compare(one, two)).toBe(0);
    expect(Buffer.compare(one, await writeTarLayer(files, 0))).not.toBe(0);
  });

  it('refuses paths that could escape the root or be measured twice', async () => {
    for (const bad of ['/etc/passwd', '../x', 'a/../b', './a', 'a//b', '']) {
      await expect(writeTarLayer([file(bad)], 0)).rejects.toBeInstanceOf(BuildError);
    }
    await expect(writeTarLayer([file('a'), file('a')], 0)).rejects.toThrow(/twice/);
  });
});
