import { readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BuildResult, buildApp } from '../src/build-app.js';
import { reproduceRelease } from '../src/reproduce-release.js';
import { verifyOciImage } from '../src/verify-oci-image.js';
import { copyHello } from './support/temp-project.js';

/** Flips one bit in the middle of a file. */
function flip(file: string): void {
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x01;
  writeFileSync(file, bytes);
}

let project: string;
let out: string;
let built: BuildResult;

beforeAll(async () => {
  project = await copyHello('blindbox-repro-');
  out = join(project, '.blindbox', 'build');
  built = await buildApp({ projectDir: project, outDir: out, sourceDateEpoch: 1_700_000_000, archive: true });
}, 120_000);

describe('verifyOciImage', () => {
  it('accepts the layout and the oci-archive the build wrote', async () => {
    for (const path of [join(out, 'image'), join(out, 'image.tar')]) {
      const report = await verifyOciImage(path);
      expect(report.problems, path).toEqual([]);
      expect(report.manifestDigest).toBe(built.imageDigest);
      expect(report.blobs.map((b) => b.role).sort()).toEqual([
        'config',
        'layer 0',
        'layer 1',
        'layer 2',
        'manifest 0',
      ]);
    }
  });

  it('catches one flipped byte in any blob, in a layout and in an archive', async () => {
    const report = await verifyOciImage(join(out, 'image'));
    for (const blob of report.blobs) {
      const copy = await mkdtemp(join(tmpdir(), 'blindbox-flip-'));
      await cp(join(out, 'image'), copy, { recursive: true });
      flip(join(copy, 'blobs', 'sha256', blob.digest.slice(7)));
      const problems = (await verifyOciImage(copy)).problems;
      expect(problems.join('\n'), blob.role).toContain(`blob ${blob.digest} does not match its digest`);
    }
    const archive = join(await mkdtemp(join(tmpdir(), 'blindbox-flip-tar-')), 'image.tar');
    const tar = readFileSync(join(out, 'image.tar'));
    // A byte inside the first blob's content (after the tar headers of oci-layout, index.json, dirs).
    const at = tar.indexOf(Buffer.from('blobs/sha256/')) + 4096;
    tar[at] = (tar[at] ?? 0) ^ 0x01;
    writeFileSync(archive, tar);
    expect((await verifyOciImage(archive)).problems.join('\n')).toMatch(/does not match its digest/);
  });
});

describe('reproduceRelease', () => {
  it('a rebuild of the same source in a clean folder gives every digest identical', async () => {
    const report = await reproduceRelease({ releaseFile: join(out, 'release.json'), sourceDir: project });
    expect(report.digests.filter((d) => !d.equal)).toEqual([]);
    expect(report.layers).toEqual([]);
    expect(report.imageProblems).toEqual([]);
    expect(report.identical).toBe(true);
    expect(report.actual.imageDigest).toBe(built.imageDigest);
  }, 120_000);

  it('reports a changed source file by layer and file', async () => {
    const changed = await copyHello('blindbox-repro-');
    const src = join(changed, 'src', 'hello.ts');
    writeFileSync(src, readFileSync(src, 'utf8').replace(/Hello/g, 'Howdy'));
    const report = await reproduceRelease({ releaseFile: join(out, 'release.json'), sourceDir: changed });
    expect(report.identical).toBe(false);
    expect(report.digests.find((d) => d.name === 'source.treeDigest')?.equal).toBe(false);
    expect(report.layers.map((l) => l.description)).toEqual(['app']);
    const main = report.layers[0]?.files.find((f) => f.path === 'app/main.mjs');
    expect(main?.change).toMatch(/size|content/);
    expect(main?.expected?.sha256).not.toBe(main?.actual?.sha256);
  }, 120_000);

  it('catches one flipped byte in the released image', async () => {
    const release = await mkdtemp(join(tmpdir(), 'blindbox-flipped-release-'));
    await cp(out, release, { recursive: true });
    const appLayer = (await verifyOciImage(join(release, 'image'))).blobs.find((b) => b.role === 'layer 2');
    flip(join(release, 'image', 'blobs', 'sha256', appLayer?.digest.slice(7) ?? ''));
    const report = await reproduceRelease({ releaseFile: join(release, 'release.json'), sourceDir: project });
    expect(report.identical).toBe(false);
    expect(report.imageProblems.join('\n')).toContain(`blob ${appLayer?.digest} does not match its digest`);
    expect(report.layers.map((l) => l.description)).toEqual(['app']);
  }, 120_000);
});
