import fc from 'fast-check';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { BuildError } from './build-error.js';
import { MAX_TAR_TIMESTAMP, writeTarLayer } from './write-tar-layer.js';

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

  it('refuses timestamps the header cannot hold instead of writing garbage', async () => {
    for (const t of [-1, 1.5, MAX_TAR_TIMESTAMP + 1]) {
      await expect(writeTarLayer([file('a')], t)).rejects.toMatchObject({ code: 'BUILD_BAD_OPTIONS' });
    }
    const hs = await headers(await writeTarLayer([file('a')], MAX_TAR_TIMESTAMP));
    expect(hs[0]?.mtime?.getTime()).toBe(MAX_TAR_TIMESTAMP * 1000);
  });

  it('round-trips any set of files through an independent reader', async () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/).filter((x) => x !== '.' && x !== '..');
    const paths = fc.uniqueArray(
      fc.array(segment, { minLength: 1, maxLength: 4 }).map((p) => p.join('/')),
      {
        minLength: 1,
        maxLength: 12,
      },
    );
    await fc.assert(
      fc.asyncProperty(paths, fc.nat({ max: MAX_TAR_TIMESTAMP }), async (list, epoch) => {
        // A path may not also be a directory of another path.
        const files = list
          .filter((p) => !list.some((q) => q.startsWith(`${p}/`)))
          .map((p) => file(p, `#${p}`));
        const hs = await headers(await writeTarLayer(files, epoch));
        const names = hs.map((h) => h.name);
        expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
        expect(
          hs
            .filter((h) => h.type === 'file')
            .map((h) => h.name)
            .sort(),
        ).toEqual(files.map((f) => f.path).sort());
        for (const h of hs) {
          expect(h.mtime?.getTime()).toBe(epoch * 1000);
          // Every parent directory precedes its entries.
          const parent = h.name.replace(/\/?[^/]+\/?$/, '');
          if (parent !== '') expect(names.indexOf(`${parent}/`)).toBeLessThan(names.indexOf(h.name));
        }
      }),
      { numRuns: 50 },
    );
  });
});
