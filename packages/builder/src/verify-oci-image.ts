import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BuildError } from './build-error.js';
import { readTarEntries } from './read-tar-entries.js';

/** Largest image (layout or archive) checked; blobs are size-checked before they are read. */
const MAX_IMAGE_BYTES = 4 * 1024 ** 3;
const MAX_JSON_BYTES = 4 * 1024 ** 2;

/** An OCI image's files, from a layout folder or an oci-archive tarball. */
export interface OciImageFiles {
  /** `oci-layout`, `index.json` and `blobs/sha256/<hex>`, as stored. */
  files: Map<string, Buffer>;
}

/** What {@link verifyOciImage} found. */
export interface ImageVerification {
  /** `sha256:<hex>` of the first manifest of index.json, if there is one. */
  manifestDigest?: string;
  /** Every blob checked: digest, size, and what refers to it. */
  blobs: { digest: string; size: number; role: string }[];
  /** Everything wrong; empty when the image is intact. */
  problems: string[];
}

interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
}

/** Reads a layout folder or an oci-archive tarball (sizes checked before any read). */
export async function readOciImageFiles(path: string): Promise<OciImageFiles> {
  const files = new Map<string, Buffer>();
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const name of ['oci-layout', 'index.json']) {
      const file = join(path, name);
      if (existsSync(file) && statSync(file).size <= MAX_JSON_BYTES) files.set(name, readFileSync(file));
    }
    const blobDir = join(path, 'blobs', 'sha256');
    let total = 0;
    for (const hex of existsSync(blobDir) ? readdirSync(blobDir).sort() : []) {
      total += statSync(join(blobDir, hex)).size;
      if (total > MAX_IMAGE_BYTES)
        throw new BuildError('IMAGE_INVALID', `${path} holds more than ${MAX_IMAGE_BYTES} bytes`);
      files.set(`blobs/sha256/${hex}`, readFileSync(join(blobDir, hex)));
    }
    return { files };
  }
  if (stat.size > MAX_IMAGE_BYTES)
    throw new BuildError('IMAGE_INVALID', `${path} is larger than ${MAX_IMAGE_BYTES} bytes`);
  for (const entry of await readTarEntries(readFileSync(path), path)) {
    if (entry.type === 'file' && entry.bytes) files.set(entry.path, entry.bytes);
    else if (entry.type !== 'directory')
      throw new BuildError('IMAGE_INVALID', `${path}: entry ${entry.path} is a ${entry.type}`);
  }
  return { files };
}

/**
 * Rechecks every digest of an image: each blob against its file name, each descriptor's size and
 * digest (index → manifest → config and layers), and each layer's `diff_id`. One flipped byte in
 * any blob is a problem.
 */
export async function verifyOciImage(path: string): Promise<ImageVerification> {
  const { files } = await readOciImageFiles(path);
  const problems: string[] = [];
  const blobs: ImageVerification['blobs'] = [];
  const roles = new Map<string, string>();
  if (!files.has('oci-layout')) problems.push('oci-layout is missing');
  for (const [name, bytes] of files) {
    const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
    if (!m) continue;
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== m[1])
      problems.push(`blob sha256:${m[1]} does not match its digest (content hashes to sha256:${actual})`);
  }
  const blob = (d: Descriptor, role: string): Buffer | undefined => {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(String(d?.digest))?.[1];
    if (!hex) {
      problems.push(`${role}: unsupported digest ${JSON.stringify(d?.digest)}`);
      return undefined;
    }
    const bytes = files.get(`blobs/sha256/${hex}`);
    if (!bytes) {
      problems.push(`${role}: blob ${d.digest} is missing`);
      return undefined;
    }
    if (bytes.length !== d.size)
      problems.push(`${role}: blob ${d.digest} has ${bytes.length} bytes, descriptor says ${d.size}`);
    blobs.push({ digest: String(d.digest), size: bytes.length, role });
    roles.set(hex, role);
    return bytes;
  };
  const index = parseJson(files.get('index.json'), 'index.json', problems) as
    | { manifests?: Descriptor[] }
    | undefined;
  const manifests = index?.manifests ?? [];
  if (index && manifests.length === 0) problems.push('index.json lists no manifest');
  for (const [i, desc] of manifests.entries())
    checkManifest(blob(desc, `manifest ${i}`), String(desc.digest), blob, problems);
  for (const name of files.keys()) {
    const hex = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name)?.[1];
    if (hex && !roles.has(hex))
      blobs.push({ digest: `sha256:${hex}`, size: files.get(name)?.length ?? 0, role: 'unreferenced' });
  }
  const manifestDigest = manifests[0]?.digest;
  return { ...(manifestDigest ? { manifestDigest } : {}), blobs, problems };
}

type BlobReader = (d: Descriptor, role: string) => Buffer | undefined;

/** Checks a manifest's config and layers, and each layer's diff_id against the config. */
function checkManifest(
  bytes: Buffer | undefined,
  digest: string,
  blob: BlobReader,
  problems: string[],
): void {
  const manifest = parseJson(bytes, `manifest ${digest}`, problems) as
    | { config?: Descriptor; layers?: Descriptor[] }
    | undefined;
  if (!manifest) return;
  const config = parseJson(blob(manifest.config ?? {}, 'config'), 'config', problems) as
    | { rootfs?: { diff_ids?: string[] } }
    | undefined;
  const diffIds = config?.rootfs?.diff_ids ?? [];
  const layers = manifest.layers ?? [];
  if (config && diffIds.length !== layers.length) {
    problems.push(`config lists ${diffIds.length} diff_ids for ${layers.length} layers`);
  }
  for (const [j, layer] of layers.entries()) {
    const layerBytes = blob(layer, `layer ${j}`);
    if (!layerBytes) continue;
    const diffId = layerDiffId(layerBytes, layer.mediaType ?? '', problems, j);
    if (diffId && diffIds[j] !== undefined && diffId !== diffIds[j]) {
      problems.push(`layer ${j}: diff_id in the config is ${diffIds[j]}, the layer's content is ${diffId}`);
    }
  }
}

function layerDiffId(bytes: Buffer, mediaType: string, problems: string[], j: number): string | undefined {
  let tar = bytes;
  if (mediaType.endsWith('+gzip')) {
    try {
      tar = gunzipSync(bytes, { maxOutputLength: MAX_IMAGE_BYTES });
    } catch (err) {
      problems.push(`layer ${j}: does not decompress: ${(err as Error).message}`);
      return undefined;
    }
  }
  return `sha256:${createHash('sha256').update(tar).digest('hex')}`;
}

function parseJson(bytes: Buffer | undefined, what: string, problems: string[]): unknown {
  if (!bytes) {
    if (what === 'index.json') problems.push('index.json is missing');
    return undefined;
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    problems.push(`${what} is not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}
