import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildApp } from './build-app.js';
import { BuildError } from './build-error.js';
import { listFiles } from './list-project-files.js';
import { readTarEntries } from './read-tar-entries.js';
import { readOciImageFiles, verifyOciImage } from './verify-oci-image.js';
import type { ReleaseStatement } from './write-release-statement.js';

/** Options of {@link reproduceRelease}. */
export interface ReproduceOptions {
  /** The release statement (`release.json`) to reproduce. */
  releaseFile: string;
  /** The app's source folder. Default: the current directory. */
  sourceDir?: string;
  /**
   * The image the release was built with, compared layer by layer and file by file.
   * Default: `image/` beside the release file, when present.
   */
  imageDir?: string;
  /** Passed to the build. Default: see `BuildOptions`. */
  cacheDir?: string;
  offline?: boolean;
  log?: (message: string) => void;
}

/** A file that differs between the released layer and the rebuilt one. */
export interface FileDifference {
  path: string;
  /** `added`: only in the rebuild; `removed`: only in the release; else what differs. */
  change: 'added' | 'removed' | 'size' | 'mode' | 'content' | 'type';
  expected?: { size: number; mode: string; sha256?: string; type: string };
  actual?: { size: number; mode: string; sha256?: string; type: string };
}

/** A layer whose digest differs. */
export interface LayerDifference {
  index: number;
  /** The layer's `created_by` (`blindbox build: app`). */
  description: string;
  expected?: string;
  actual?: string;
  files: FileDifference[];
}

/** What {@link reproduceRelease} found. */
export interface ReproduceReport {
  identical: boolean;
  expected: { imageDigest: string; measurements: Record<string, string>; treeDigest: string };
  actual: { imageDigest: string; measurements: Record<string, string>; treeDigest: string };
  /** Each digest of the release compared: name, expected, actual, equal. */
  digests: { name: string; expected: string; actual: string; equal: boolean }[];
  layers: LayerDifference[];
  /** Differences of the image config (JSON paths), when its digest differs. */
  config: string[];
  /** Problems of the released image itself (a blob that does not match its digest…). */
  imageProblems: string[];
}

/**
 * Rebuilds a release from its source in a clean temporary folder (only the project's own files
 * are copied: no node_modules, .git, build output) with the release's SOURCE_DATE_EPOCH and source
 * identity, and compares every digest: the image manifest, each measurement, the source tree, and
 * (when the released image is at hand) each layer, file by file.
 */
export async function reproduceRelease(options: ReproduceOptions): Promise<ReproduceReport> {
  const release = readRelease(options.releaseFile);
  const p = release.predicate;
  const sourceDir = resolve(options.sourceDir ?? '.');
  const imageDir = options.imageDir ?? join(dirname(resolve(options.releaseFile)), 'image');
  const work = await mkdtemp(join(tmpdir(), 'blindbox-reproduce-'));
  try {
    const project = join(work, 'source');
    for (const rel of await listFiles(sourceDir)) {
      await mkdir(dirname(join(project, rel)), { recursive: true });
      await copyFile(join(sourceDir, rel), join(project, rel));
    }
    const result = await buildApp({
      projectDir: project,
      outDir: join(work, 'out'),
      sourceDateEpoch: p.sourceDateEpoch,
      source: {
        ...(p.source.repository ? { repository: p.source.repository } : {}),
        ...(p.source.commit ? { commit: p.source.commit } : {}),
      },
      writeLock: false,
      reuseCache: false,
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.offline !== undefined ? { offline: options.offline } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const expectedDigest = `sha256:${release.subject[0]?.digest.sha256 ?? ''}`;
    const digests = [
      { name: 'oci.imageDigest (subject)', expected: expectedDigest, actual: result.imageDigest },
      ...Object.entries(p.measurements).map(([name, expected]) => ({
        name,
        expected,
        actual: (result.measurements as Record<string, string>)[name] ?? '(not measured)',
      })),
      {
        name: 'appManifestDigest',
        expected: p.appManifestDigest,
        actual: result.release.predicate.appManifestDigest,
      },
      {
        name: 'source.treeDigest',
        expected: p.source.treeDigest,
        actual: result.release.predicate.source.treeDigest,
      },
    ].map((d) => ({ ...d, equal: d.expected === d.actual }));
    let layers: LayerDifference[] = [];
    let config: string[] = [];
    let imageProblems: string[] = [];
    if (existsSync(imageDir)) {
      imageProblems = (await verifyOciImage(imageDir)).problems;
      const compared = await compareImages(imageDir, join(result.outDir, 'image'));
      layers = compared.layers;
      config = compared.config;
    }
    const identical = digests.every((d) => d.equal) && layers.length === 0 && imageProblems.length === 0;
    return {
      identical,
      expected: {
        imageDigest: expectedDigest,
        measurements: p.measurements,
        treeDigest: p.source.treeDigest,
      },
      actual: {
        imageDigest: result.imageDigest,
        measurements: result.measurements,
        treeDigest: result.release.predicate.source.treeDigest,
      },
      digests,
      layers,
      config,
      imageProblems,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function readRelease(file: string): ReleaseStatement {
  let release: ReleaseStatement;
  try {
    release = JSON.parse(readFileSync(file, 'utf8')) as ReleaseStatement;
  } catch (cause) {
    throw new BuildError(
      'BUILD_BAD_OPTIONS',
      `${file} is not a readable release statement: ${String(cause)}`,
      {
        cause,
      },
    );
  }
  if (release?.predicateType !== 'https://blindbox.dev/release/v1' || !release.subject?.[0]?.digest?.sha256) {
    throw new BuildError('BUILD_BAD_OPTIONS', `${file} is not a BlindBox release statement`);
  }
  return release;
}

interface ParsedImage {
  config: Record<string, unknown>;
  configDigest: string;
  layers: { digest: string; bytes: Buffer; mediaType: string }[];
  history: string[];
}

async function parseImage(path: string): Promise<ParsedImage | undefined> {
  const { files } = await readOciImageFiles(path);
  const get = (digest: string | undefined) =>
    files.get(`blobs/sha256/${String(digest).replace(/^sha256:/, '')}`);
  try {
    const index = JSON.parse(String(files.get('index.json')));
    const manifest = JSON.parse(String(get(index.manifests?.[0]?.digest)));
    const config = JSON.parse(String(get(manifest.config?.digest)));
    return {
      config,
      configDigest: manifest.config.digest,
      layers: (manifest.layers as { digest: string; mediaType: string }[]).map((l) => ({
        digest: l.digest,
        mediaType: l.mediaType,
        bytes: get(l.digest) ?? Buffer.alloc(0),
      })),
      history: ((config.history ?? []) as { created_by?: string }[]).map((h) => h.created_by ?? ''),
    };
  } catch {
    return undefined;
  }
}

/** Compares two images layer by layer (by position) and, inside a differing layer, file by file. */
export async function compareImages(
  expectedPath: string,
  actualPath: string,
): Promise<{ layers: LayerDifference[]; config: string[] }> {
  const [expected, actual] = await Promise.all([parseImage(expectedPath), parseImage(actualPath)]);
  if (!expected || !actual) {
    return {
      layers: [],
      config: [expected ? 'the rebuilt image is unreadable' : 'the released image is unreadable'],
    };
  }
  const layers: LayerDifference[] = [];
  const count = Math.max(expected.layers.length, actual.layers.length);
  for (let i = 0; i < count; i++) {
    const e = expected.layers[i];
    const a = actual.layers[i];
    if (e && a && e.digest === a.digest && sha256(e.bytes) === e.digest.slice(7)) continue;
    const description = (actual.history[i] ?? expected.history[i] ?? '').replace(/^blindbox build: /, '');
    layers.push({
      index: i,
      description,
      ...(e ? { expected: e.digest } : {}),
      ...(a ? { actual: a.digest } : {}),
      files: diffFiles(await layerFiles(e), await layerFiles(a)),
    });
  }
  const config =
    expected.configDigest === actual.configDigest ? [] : diffJson(expected.config, actual.config, '');
  return { layers, config };
}

type FileInfo = NonNullable<FileDifference['expected']>;

async function layerFiles(layer: ParsedImage['layers'][number] | undefined): Promise<Map<string, FileInfo>> {
  const out = new Map<string, FileInfo>();
  if (!layer) return out;
  let tar = layer.bytes;
  if (layer.mediaType.endsWith('+gzip')) tar = gunzipSync(tar, { maxOutputLength: 4 * 1024 ** 3 });
  let entries: Awaited<ReturnType<typeof readTarEntries>>;
  try {
    entries = await readTarEntries(tar, `layer ${layer.digest}`);
  } catch {
    return out;
  }
  for (const e of entries) {
    out.set(e.path, {
      size: e.size,
      mode: e.mode.toString(8),
      type: e.type,
      ...(e.bytes ? { sha256: sha256(e.bytes) } : {}),
    });
  }
  return out;
}

function diffFiles(expected: Map<string, FileInfo>, actual: Map<string, FileInfo>): FileDifference[] {
  const out: FileDifference[] = [];
  const paths = [...new Set([...expected.keys(), ...actual.keys()])].sort((a, b) =>
    Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  for (const path of paths) {
    const e = expected.get(path);
    const a = actual.get(path);
    const change = changeOf(e, a);
    if (change) out.push({ path, change, ...(e ? { expected: e } : {}), ...(a ? { actual: a } : {}) });
  }
  return out;
}

function changeOf(e: FileInfo | undefined, a: FileInfo | undefined): FileDifference['change'] | undefined {
  if (!e) return 'added';
  if (!a) return 'removed';
  if (e.type !== a.type) return 'type';
  if (e.size !== a.size) return 'size';
  if (e.mode !== a.mode) return 'mode';
  return e.sha256 !== a.sha256 ? 'content' : undefined;
}

function diffJson(e: unknown, a: unknown, at: string): string[] {
  if (typeof e === 'object' && e !== null && typeof a === 'object' && a !== null && !Array.isArray(e)) {
    const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])].sort();
    return keys.flatMap((k) =>
      diffJson((e as Record<string, unknown>)[k], (a as Record<string, unknown>)[k], `${at}.${k}`),
    );
  }
  return JSON.stringify(e) === JSON.stringify(a)
    ? []
    : [`${at || '.'}: released ${JSON.stringify(e)}, rebuilt ${JSON.stringify(a)}`];
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
