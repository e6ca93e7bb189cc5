import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { builderCodeDigest } from './builder-code-digest.js';
import { canonicalJson } from './canonical-json.js';
import { compareStrings } from './compare-strings.js';
import { sha256Hex } from './digest.js';
import type { PlannedFile } from './load-runtime-layers.js';
import { readUstarFiles } from './read-ustar-files.js';
import type { ImageLayer } from './write-oci-layout.js';
import { type LayerFile, writeTarLayer } from './write-tar-layer.js';

/** Bump when the entry's shape or meaning changes. */
const FORMAT = 1;

/** Where {@link runtimeLayer} looks for an earlier build's layer and records the layers it makes. */
export interface RuntimeLayerContext {
  cacheDir: string;
  /** The image layout folder the build is about to replace (it may hold the layer already). */
  imageDir: string;
  /** Default true; false always rebuilds the layer (reproduce). */
  reuse: boolean;
  sourceDateEpoch: number;
}

/** A built layer, and whether its blob is the one already in the output folder. */
export type RuntimeImageLayer = ImageLayer & { digest: string; reused: boolean };

interface LayerEntry {
  key: string;
  /** Hex SHA-256 of the layer's tar. */
  digest: string;
  size: number;
  /** SHA-256 of the canonical JSON of the other three fields: a torn or altered entry is never used. */
  check: string;
}

/**
 * A runtime layer (Node, libraries): their tars are a pure function of the planned files (path,
 * mode, SHA-256), the timestamp and this builder's code (its tar writer included), so a warm build need not read a
 * 127 MB binary, tar it and hash the tar again. `<cacheDir>/layers/<key>.json` records which tar
 * digest those inputs gave; when the output folder holds a blob of that name, it is read and
 * hashed (one pass, as every byte of the image must be checked), its files must be exactly the
 * planned ones, and it is kept as it is. Otherwise the files are loaded and the layer is built.
 */
export async function runtimeLayer(
  description: string,
  planned: readonly PlannedFile[],
  load: () => Promise<LayerFile[]>,
  ctx: RuntimeLayerContext,
): Promise<RuntimeImageLayer> {
  const key = layerKey(planned, ctx.sourceDateEpoch);
  const entryPath = join(ctx.cacheDir, 'layers', `${key}.json`);
  if (ctx.reuse) {
    const reused = await reuseFromOutput(entryPath, key, planned, ctx.imageDir);
    if (reused) return { description, ...reused, reused: true };
  }
  const files = await load();
  const tar = await writeTarLayer(files, ctx.sourceDateEpoch);
  const digest = sha256Hex(tar);
  await writeEntry(entryPath, { key, digest, size: tar.length });
  return { description, tar, files, digest, reused: false };
}

function layerKey(planned: readonly PlannedFile[], sourceDateEpoch: number): string {
  const files = [...planned]
    .sort((a, b) => compareStrings(a.path, b.path))
    .map((f) => ({ path: f.path, mode: f.mode, sha256: f.sha256 }));
  return sha256Hex(canonicalJson({ format: FORMAT, builder: builderCodeDigest(), sourceDateEpoch, files }));
}

async function reuseFromOutput(
  entryPath: string,
  key: string,
  planned: readonly PlannedFile[],
  imageDir: string,
): Promise<{ tar: Buffer; files: LayerFile[]; digest: string } | undefined> {
  const entry = await readEntry(entryPath, key);
  if (!entry) return undefined;
  const blob = join(imageDir, 'blobs', 'sha256', entry.digest);
  let size: number;
  try {
    const st = statSync(blob);
    size = st.isFile() ? st.size : -1;
  } catch {
    return undefined;
  }
  if (size !== entry.size) return undefined;
  const tar = await readFile(blob);
  if (sha256Hex(tar) !== entry.digest) return undefined;
  const files = plannedFilesOf(tar, planned);
  return files ? { tar, files, digest: entry.digest } : undefined;
}

/** The tar's regular files when they are exactly the planned ones (paths and modes), with their hashes. */
function plannedFilesOf(tar: Buffer, planned: readonly PlannedFile[]): LayerFile[] | undefined {
  const inTar = readUstarFiles(tar);
  if (!inTar || inTar.length !== planned.length) return undefined;
  const byPath = new Map(planned.map((f) => [f.path, f]));
  const files: LayerFile[] = [];
  for (const f of inTar) {
    const p = byPath.get(f.path);
    if (!p || p.mode !== f.mode) return undefined;
    // The tar hashed to the digest these very files produced: each file is the planned one.
    files.push({ path: f.path, bytes: f.bytes, mode: f.mode, sha256: Buffer.from(p.sha256, 'hex') });
  }
  return files;
}

async function readEntry(path: string, key: string): Promise<LayerEntry | undefined> {
  if (!existsSync(path)) return undefined;
  let entry: LayerEntry | undefined;
  try {
    entry = JSON.parse(readFileSync(path, 'utf8')) as LayerEntry;
  } catch {
    entry = undefined;
  }
  const intact =
    entry !== undefined &&
    entry.key === key &&
    /^[0-9a-f]{64}$/.test(entry.digest) &&
    Number.isSafeInteger(entry.size) &&
    entry.check === entryCheck(entry);
  if (intact) return entry;
  await rm(path, { force: true });
  return undefined;
}

async function writeEntry(path: string, body: Omit<LayerEntry, 'check'>): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, canonicalJson({ ...body, check: entryCheck(body) }));
    await rename(tmp, path);
  } catch {
    // A cache that cannot be written only costs the next build a layer.
  }
}

function entryCheck(entry: Omit<LayerEntry, 'check'>): string {
  return sha256Hex(canonicalJson({ key: entry.key, digest: entry.digest, size: entry.size }));
}
