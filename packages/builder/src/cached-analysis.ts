import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AppManifest } from '@blindbox/protocol';
import { builderCodeDigest } from './builder-code-digest.js';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './digest.js';
import { type FileSystemAnswer, readBytes, sameAnswers } from './file-system-answers.js';
import { readAppSources } from './read-app-sources.js';
import { builderPackageTypesEntry } from './resolve-builder-packages.js';

/** Bump when the entry's shape or meaning changes. */
const FORMAT = 1;

interface AnalysisEntry {
  key: string;
  answers: FileSystemAnswer[];
  manifest: AppManifest;
  /** SHA-256 of the canonical JSON of the other three fields: a torn or altered entry is never used. */
  digest: string;
}

/**
 * {@link analyzeProject}, reusing the manifest of an earlier analysis when nothing it read has
 * changed, so that a warm build never loads TypeScript (ts-morph and the compiler cost more than the
 * rest of a build). An entry lives under `<cacheDir>/analysis/<key>.json`, keyed on the builder's
 * code and TypeScript version, the project folder, the entry option, the module list, the app
 * version and the project's tsconfig files; it records every answer the file system gave the
 * analysis (each file read with its SHA-256, each existence probe, folder listing and real path),
 * and is used only when every answer is still the same. `reuse: false` always analyses.
 */
export async function analyzeWithCache(
  projectDir: string,
  entry: string | undefined,
  options: { cacheDir: string; reuse: boolean },
): Promise<AppManifest> {
  const sources = await readAppSources(projectDir, entry);
  if (!options.reuse) return (await import('./analyze-project.js')).analyzeSources(sources);
  const key = sha256Hex(
    canonicalJson({
      format: FORMAT,
      builder: builderCodeDigest(),
      sdkTypes: builderPackageTypesEntry('@blindbox/sdk'),
      sources,
      entry: entry ?? null,
      tsconfig: tsconfigDigests(sources.root),
    }),
  );
  const path = join(options.cacheDir, 'analysis', `${key}.json`);
  const cached = await readEntry(path, key);
  if (cached) return cached.manifest;

  const [{ analyzeSources }, { RecordingFileSystem }] = await Promise.all([
    import('./analyze-project.js'),
    import('./recording-file-system.js'),
  ]);
  const fileSystem = new RecordingFileSystem();
  const manifest = await analyzeSources(sources, fileSystem);
  await writeEntry(path, key, fileSystem.answers(), manifest);
  return manifest;
}

/**
 * The project's tsconfig files. The analysis ignores them (its compiler options are fixed), but a
 * change to them must never be served from a stale entry should that ever change.
 */
function tsconfigDigests(root: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of ['tsconfig.json', 'jsconfig.json']) {
    const bytes = readBytes(join(root, name));
    out[name] = bytes === null ? null : sha256Hex(bytes);
  }
  return out;
}

/** The entry at `path` when intact and current; a corrupt one is deleted. */
async function readEntry(path: string, key: string): Promise<AnalysisEntry | undefined> {
  if (!existsSync(path)) return undefined;
  let entry: AnalysisEntry | undefined;
  try {
    entry = JSON.parse(readFileSync(path, 'utf8')) as AnalysisEntry;
  } catch {
    entry = undefined;
  }
  if (!entry || entry.key !== key || entry.digest !== entryDigest(entry) || !Array.isArray(entry.answers)) {
    await rm(path, { force: true });
    return undefined;
  }
  return sameAnswers(entry.answers) ? entry : undefined;
}

async function writeEntry(
  path: string,
  key: string,
  answers: FileSystemAnswer[],
  manifest: AppManifest,
): Promise<void> {
  const body = { key, answers, manifest };
  const text = canonicalJson({ ...body, digest: entryDigest(body) });
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch {
    // A cache that cannot be written only costs the next build an analysis.
  }
}

function entryDigest(entry: Pick<AnalysisEntry, 'key' | 'answers' | 'manifest'>): string {
  return sha256Hex(canonicalJson({ key: entry.key, answers: entry.answers, manifest: entry.manifest }));
}
