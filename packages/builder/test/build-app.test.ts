import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { simulatedMeasurement } from '@blindbox/attestation/internal';
import { hexEncode as toHex } from '@blindbox/bytes';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BuildResult, buildAppWith } from '../src/build-app.js';
import { canonicalJson } from '../src/canonical-json.js';
import { buildInChild } from './support/child-build.js';
import { readImage } from './support/read-image.js';
import { copyHello, helloTemplate } from './support/temp-project.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

/**
 * A copy of the template whose files are created in reverse byte order (so directory listings
 * differ), each with its own odd mtime: neither may reach the image.
 */
async function copyHelloReordered(): Promise<string> {
  const { mkdir, utimes, writeFile } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'blindbox-hello-reordered-'));
  const files = (await listTree(helloTemplate)).filter((f) => !f.startsWith('.blindbox/'));
  let i = 0;
  for (const rel of [...files].reverse()) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), await readFile(join(helloTemplate, rel)));
    const t = new Date(Date.UTC(2001, 2, 3) + 86_400_123 * ++i);
    await utimes(join(dir, rel), t, t);
  }
  return dir;
}

async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

let projectA: string;
let outA: string;
let resultA: BuildResult;

beforeAll(async () => {
  projectA = await copyHello();
  outA = join(projectA, '.blindbox', 'build');
  resultA = await buildAppWith({ projectDir: projectA, outDir: outA }, {});
}, 120_000);

describe('buildApp: layout', () => {
  it('writes the documented files, and returns them', async () => {
    const tree = await listTree(outA);
    expect(tree).toEqual(resultA.files);
    expect(tree.filter((f) => !f.startsWith('image/blobs/') && !f.startsWith('client/'))).toEqual([
      'app-manifest.json',
      'build.json',
      'image/index.json',
      'image/oci-layout',
      'release.json',
    ]);
    // The generated client package (its file list is generate-client's own contract).
    expect(tree).toEqual(
      expect.arrayContaining(['client/dist/index.d.ts', 'client/dist/index.js', 'client/package.json']),
    );
    // Three layers (libs, node, app), the config and the manifest.
    expect(tree.filter((f) => f.startsWith('image/blobs/sha256/'))).toHaveLength(5);
    expect(existsSync(join(projectA, 'blindbox.lock'))).toBe(true);
    expect(resultA.clientDir).toBe(join(outA, 'client'));
  });

  it('writes canonical app-manifest.json and build.json', async () => {
    const manifestText = await readFile(join(outA, 'app-manifest.json'), 'utf8');
    expect(manifestText).toBe(canonicalJson(resultA.manifest));
    expect(JSON.parse(await readFile(join(outA, 'build.json'), 'utf8'))).toEqual({
      app: 'hello',
      version: '0.1.0',
      imageDigest: resultA.imageDigest,
      measurements: resultA.measurements,
    });
  });

  it('writes an OCI image with the documented config, manifest and index', async () => {
    const image = await readImage(join(outA, 'image'));
    expect(JSON.parse(await readFile(join(outA, 'image', 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    expect(image.desc).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: resultA.imageDigest,
      annotations: { 'org.opencontainers.image.ref.name': '0.1.0' },
    });
    expect(image.manifest).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      annotations: {
        'org.opencontainers.image.title': 'hello',
        'org.opencontainers.image.version': '0.1.0',
        'dev.blindbox.app': 'hello',
      },
    });
    expect(image.config).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: {
        Entrypoint: ['/usr/local/bin/node', '/app/main.mjs'],
        Env: ['NODE_ENV=production'],
        WorkingDir: '/app',
        User: '1000:1000',
        ExposedPorts: { '8080/tcp': {} },
        // The temp copy is not a git work tree: no source or revision label.
        Labels: { 'dev.blindbox.app': 'hello' },
      },
    });
    expect(image.manifest.layers.map((l) => l.mediaType)).toEqual(
      Array(3).fill('application/vnd.oci.image.layer.v1.tar'),
    );
    // Uncompressed layers: the layer digest is its diff_id.
    expect(image.config.rootfs.diff_ids).toEqual(image.manifest.layers.map((l) => l.digest));
    const show = (e: (typeof image.entries)[number]) => [
      e.name,
      e.type,
      e.mode.toString(8),
      e.mtime,
      e.uid,
      e.gid,
    ];
    const appEntries = image.entries.filter((e) => e.name.startsWith('app/'));
    expect(appEntries.map(show)).toEqual([
      ['app/', 'directory', '755', 0, 0, 0],
      ['app/app-manifest.json', 'file', '644', 0, 0, 0],
      ['app/main.mjs', 'file', '644', 0, 0, 0],
      ['app/package.json', 'file', '644', 0, 0, 0],
    ]);
    const node = image.entries.find((e) => e.name === 'usr/local/bin/node');
    expect(node && show(node)).toEqual(['usr/local/bin/node', 'file', '755', 0, 0, 0]);
    const loader = image.entries.find((e) => e.name === 'lib64/ld-linux-x86-64.so.2');
    expect(loader && show(loader)).toEqual(['lib64/ld-linux-x86-64.so.2', 'file', '755', 0, 0, 0]);
    // Every entry of every layer: epoch mtime, root owner, only 0755/0644.
    for (const e of image.entries) {
      expect([e.mtime, e.uid, e.gid], e.name).toEqual([0, 0, 0]);
      expect(['755', '644'], e.name).toContain(e.mode.toString(8));
    }
    for (const f of ['index.json', 'oci-layout']) {
      const text = await readFile(join(outA, 'image', f), 'utf8');
      expect(text).toBe(canonicalJson(JSON.parse(text)));
    }
  });

  it('writes the release statement', async () => {
    const release = JSON.parse(await readFile(join(outA, 'release.json'), 'utf8'));
    expect(release).toEqual(resultA.release);
    expect(release).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'hello', digest: { sha256: resultA.imageDigest.slice('sha256:'.length) } }],
      predicateType: 'https://blindbox.dev/release/v1',
      predicate: {
        app: 'hello',
        version: '0.1.0',
        measurements: resultA.measurements,
        builder: { name: '@blindbox/builder', version: '0.1.0' },
        sourceDateEpoch: 0,
      },
    });
    const { createHash } = await import('node:crypto');
    const manifestBytes = await readFile(join(outA, 'app-manifest.json'));
    expect(release.predicate.appManifestDigest).toBe(
      `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`,
    );
    expect(release.predicate.source.treeDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The temp copy is not a git work tree: no repository, no commit, and no failure.
    expect(release.predicate.source).not.toHaveProperty('commit');
  });
});

describe('buildApp: measurement', () => {
  it('equals the simulated measurement recomputed from the layers on disk', async () => {
    const image = await readImage(join(outA, 'image'));
    const entrypoint = [...image.config.config.Entrypoint, ...(image.config.config.Cmd ?? [])];
    expect(image.files.map((f) => f.path).sort()).toEqual([
      'app/app-manifest.json',
      'app/main.mjs',
      'app/package.json',
      'etc/group',
      'etc/passwd',
      'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
      'lib/x86_64-linux-gnu/libc.so.6',
      'lib/x86_64-linux-gnu/libdl.so.2',
      'lib/x86_64-linux-gnu/libgcc_s.so.1',
      'lib/x86_64-linux-gnu/libm.so.6',
      'lib/x86_64-linux-gnu/libpthread.so.0',
      'lib64/ld-linux-x86-64.so.2',
      'usr/lib/x86_64-linux-gnu/libstdc++.so.6',
      'usr/local/bin/node',
      'usr/local/share/doc/node/LICENSE',
      'usr/share/doc/libc6/copyright',
    ]);
    expect(toHex(simulatedMeasurement(image.files, entrypoint))).toBe(resultA.measurements.simulated);
    const { createHash } = await import('node:crypto');
    expect(`sha256:${createHash('sha256').update(image.manifestBytes).digest('hex')}`).toBe(
      resultA.measurements['oci.imageDigest'],
    );
    expect(resultA.measurements.simulated).toMatch(/^[0-9a-f]{96}$/);
  });
});

describe('buildApp: the simulator measures what the build measured', () => {
  it("@blindbox/runtime's image reader yields the same digest and simulated measurement", async () => {
    // Dynamic import: this contract test fails alone if the runtime's reader is broken.
    const { readOciImage } = await import('@blindbox/runtime/simulator');
    const loaded = await readOciImage(join(outA, 'image'));
    expect(loaded.manifestDigest).toBe(resultA.imageDigest);
    expect(toHex(simulatedMeasurement(loaded.files, loaded.entrypoint))).toBe(resultA.measurements.simulated);
  });
});

describe('buildApp: no machine paths', () => {
  it('no output file names the project folder, the repo or the temp folder', async () => {
    // The Node binary and Debian's libraries are third-party bytes pinned by hash (they contain
    // strings such as "/tmp" of their own); everything the build itself writes is checked.
    const image = await readImage(join(outA, 'image'));
    const pinned = new Set(
      image.manifest.layers.slice(0, 2).map((l) => `image/blobs/sha256/${l.digest.slice(7)}`),
    );
    for (const rel of resultA.files.filter((f) => !pinned.has(f))) {
      const text = (await readFile(join(outA, rel))).toString('latin1');
      expect(text, rel).not.toContain(projectA);
      expect(text, rel).not.toContain(repoRoot);
      expect(text, rel).not.toContain(tmpdir());
    }
  });

  it('the bundle in the image names none either, and starts under node', async () => {
    const image = await readImage(join(outA, 'image'));
    const main = image.files.find((f) => f.path === 'app/main.mjs');
    const text = Buffer.from(main?.bytes ?? []).toString('utf8');
    expect(text).not.toContain(projectA);
    expect(text).not.toContain(repoRoot);
    expect(text).not.toMatch(/\/\/ (src|packages|node_modules)\//);
    // Started outside a TEE with an unknown platform, the real runtime must get as far as choosing
    // the attestation provider: the bundle parsed, the decorators ran and the class is an enclave.
    const dir = await mkdtemp(join(tmpdir(), 'blindbox-main-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'main.mjs'), main?.bytes ?? new Uint8Array());
    const failure = await run(process.execPath, [join(dir, 'main.mjs')], {
      env: { PATH: process.env.PATH ?? '', BLINDBOX_TEE: 'no-such-tee', BLINDBOX_PORT: '0' },
      timeout: 20_000,
    }).then(
      () => ({ stderr: 'exited 0' }),
      (e: { stderr: string }) => e,
    );
    expect(failure.stderr).toContain('no-such-tee');
    expect(failure.stderr).not.toMatch(/SyntaxError|NOT_AN_ENCLAVE/);
  });
});

describe('buildApp: reproducibility', () => {
  it('reprotest: another folder, TZ, LANG/LC_ALL, umask, file mtimes and creation order give identical bytes', async () => {
    const projectB = await copyHelloReordered();
    const outB = join(projectB, 'out');
    expect(projectB).not.toBe(projectA);
    const child = await buildInChild(
      projectB,
      outB,
      { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' },
      undefined,
      '0077',
    );
    // The child really ran in another zone (UTC+12:45/+13:45) and under another umask.
    expect(child.offsetMinutes).toBeLessThan(-700);
    expect(child.umask).toBe(0o077);
    expect(child.imageDigest).toBe(resultA.imageDigest);
    expect(child.measurements).toEqual(resultA.measurements);
    const treeA = await listTree(outA);
    expect(await listTree(outB)).toEqual(treeA);
    for (const rel of treeA) {
      expect(Buffer.compare(await readFile(join(outA, rel)), await readFile(join(outB, rel))), rel).toBe(0);
    }
  }, 180_000);

  it('a rebuild into the same folder leaves no stale blobs', async () => {
    const again = await buildAppWith({ projectDir: projectA, outDir: outA }, {});
    expect(again.imageDigest).toBe(resultA.imageDigest);
    expect(await listTree(outA)).toEqual(resultA.files);
  });

  it('refuses to clear an output folder it did not write', async () => {
    const out = await mkdtemp(join(tmpdir(), 'blindbox-foreign-'));
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(out, 'client'));
    await writeFile(join(out, 'client', 'mine.txt'), 'user data');
    await expect(buildAppWith({ projectDir: projectA, outDir: out }, {})).rejects.toMatchObject({
      code: 'BUILD_BAD_OPTIONS',
    });
    expect(await readFile(join(out, 'client', 'mine.txt'), 'utf8')).toBe('user data');
  });

  it('reads SOURCE_DATE_EPOCH from the environment and refuses a malformed one', async () => {
    const saved = process.env.SOURCE_DATE_EPOCH;
    try {
      process.env.SOURCE_DATE_EPOCH = '1e9';
      await expect(buildAppWith({ projectDir: projectA, outDir: outA }, {})).rejects.toMatchObject({
        code: 'BUILD_BAD_OPTIONS',
      });
      process.env.SOURCE_DATE_EPOCH = '86400';
      const out = await mkdtemp(join(tmpdir(), 'blindbox-sde-env-'));
      const r = await buildAppWith({ projectDir: projectA, outDir: out }, {});
      expect(r.release.predicate.sourceDateEpoch).toBe(86400);
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });

  it('SOURCE_DATE_EPOCH changes the timestamps and so the digest', async () => {
    const out = await mkdtemp(join(tmpdir(), 'blindbox-sde-'));
    const r = await buildAppWith({ projectDir: projectA, outDir: out, sourceDateEpoch: 1_700_000_000 }, {});
    expect(r.imageDigest).not.toBe(resultA.imageDigest);
    const image = await readImage(join(out, 'image'));
    expect(image.config).toMatchObject({ created: '2023-11-14T22:13:20Z' });
    expect(new Set(image.entries.map((e) => e.mtime))).toEqual(new Set([1_700_000_000_000]));
    expect(r.release.predicate.sourceDateEpoch).toBe(1_700_000_000);
  });
});

describe('buildApp: real OCI tools read the image', () => {
  const skopeo = '/usr/bin/skopeo';
  const umoci = '/usr/bin/umoci';

  it.skipIf(!existsSync(skopeo) && process.env.CI === undefined)(
    'skopeo inspect reports our digest (needs /usr/bin/skopeo)',
    async () => {
      const image = await readImage(join(outA, 'image'));
      const { stdout } = await run(skopeo, ['inspect', `oci:${join(outA, 'image')}`]);
      const info = JSON.parse(stdout) as {
        Digest: string;
        Architecture: string;
        Os: string;
        Layers: string[];
      };
      expect(info.Digest).toBe(resultA.imageDigest);
      expect([info.Architecture, info.Os]).toEqual(['amd64', 'linux']);
      const { stdout: raw } = await run(skopeo, ['inspect', '--config', `oci:${join(outA, 'image')}:0.1.0`]);
      const config = JSON.parse(raw).config;
      expect(config.Entrypoint).toEqual(['/usr/local/bin/node', '/app/main.mjs']);
      expect(config.User).toBe('1000:1000');
      expect(config.ExposedPorts).toEqual({ '8080/tcp': {} });
      expect(config.Labels).toEqual({ 'dev.blindbox.app': 'hello' });
      expect(info.Layers).toEqual(image.manifest.layers.map((l) => l.digest));
    },
  );

  it.skipIf(!existsSync(umoci) && process.env.CI === undefined)(
    'umoci unpacks app/main.mjs with our bytes (needs /usr/bin/umoci)',
    async () => {
      const bundle = join(await mkdtemp(join(tmpdir(), 'blindbox-umoci-')), 'bundle');
      await run(umoci, ['unpack', '--rootless', '--image', `${join(outA, 'image')}:0.1.0`, bundle]);
      const image = await readImage(join(outA, 'image'));
      for (const file of image.files) {
        const unpacked = await readFile(join(bundle, 'rootfs', file.path));
        expect(Buffer.compare(unpacked, Buffer.from(file.bytes)), file.path).toBe(0);
      }
      // umoci writes the runtime config from our image config.
      const runtimeConfig = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'));
      expect(runtimeConfig.process.args).toEqual(['/usr/local/bin/node', '/app/main.mjs']);
      expect(runtimeConfig.process.cwd).toBe('/app');
    },
  );
});
