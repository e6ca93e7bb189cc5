import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './digest.js';
import type { LayerFile } from './write-tar-layer.js';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  // Uncompressed: Node's zlib output depends on its zlib build (and CPU-specific code paths), so a
  // gzip layer's digest could change with the Node version even for identical tars. An
  // uncompressed layer's digest is its diff_id; registries and runtimes accept it.
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** A built layer: its tar bytes and the files in it (for the measurement). */
export interface ImageLayer {
  /** What the layer holds, recorded in the config's history (`created_by`). */
  description: string;
  tar: Buffer;
  files: readonly LayerFile[];
  /** Hex SHA-256 of `tar`, when the caller just computed it. Default: computed. */
  digest?: string;
}

/** How the image starts, as recorded in the image config. */
export interface ImageRunConfig {
  entrypoint: string[];
  cmd?: string[];
  env: string[];
  workingDir: string;
  /** `uid:gid` the process runs as (never root in a BlindBox image). */
  user?: string;
  /** The TCP port the app listens on (`ExposedPorts`). */
  port?: number;
  /** Image labels (`org.opencontainers.image.source`, `…revision`, `dev.blindbox.app`). */
  labels?: Record<string, string>;
}

/** An OCI image held in memory: its blobs by hex digest, and the manifest that names them. */
export interface OciImage {
  blobs: Map<string, Buffer>;
  manifest: Descriptor;
  config: { Entrypoint: string[]; Cmd?: string[] };
  index: Buffer;
  /** The image manifest's bytes. */
  manifestBytes: Buffer;
}

/**
 * Assembles image config, manifest and index (all canonical JSON) around `layers`. Pure: same
 * inputs, same bytes. `created` (and each history entry) is `sourceDateEpoch`, never "now".
 */
export function composeOciImage(input: {
  layers: readonly ImageLayer[];
  run: ImageRunConfig;
  sourceDateEpoch: number;
  annotations: Record<string, string>;
  refName: string;
}): OciImage {
  const created = isoSeconds(input.sourceDateEpoch);
  const blobs = new Map<string, Buffer>();
  const put = (mediaType: string, bytes: Buffer, known?: string): Descriptor => {
    const hex = known ?? sha256Hex(bytes);
    blobs.set(hex, bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };

  // Each layer is hashed once: for an uncompressed layer the blob digest is also its diff_id.
  const layerDescriptors = input.layers.map((l) => put(MEDIA_TYPES.layer, l.tar, l.digest));
  const runConfig = {
    ...(input.run.user ? { User: input.run.user } : {}),
    ...(input.run.port ? { ExposedPorts: { [`${input.run.port}/tcp`]: {} } } : {}),
    Entrypoint: input.run.entrypoint,
    ...(input.run.cmd ? { Cmd: input.run.cmd } : {}),
    Env: input.run.env,
    WorkingDir: input.run.workingDir,
    ...(input.run.labels ? { Labels: input.run.labels } : {}),
  };
  const config = {
    architecture: 'amd64',
    os: 'linux',
    created,
    config: runConfig,
    rootfs: { type: 'layers', diff_ids: layerDescriptors.map((d) => d.digest) },
    history: input.layers.map((l) => ({ created, created_by: `blindbox build: ${l.description}` })),
  };
  const configDescriptor = put(MEDIA_TYPES.config, Buffer.from(canonicalJson(config)));
  const manifestBytes = Buffer.from(
    canonicalJson({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: configDescriptor,
      layers: layerDescriptors,
      annotations: input.annotations,
    }),
  );
  const manifest = put(MEDIA_TYPES.manifest, manifestBytes);
  const index = Buffer.from(
    canonicalJson({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': input.refName } }],
    }),
  );
  return { blobs, manifest, config: runConfig, index, manifestBytes };
}

/**
 * Writes `image` as an OCI image layout folder (`oci-layout`, `index.json`, `blobs/sha256/…`).
 * Blobs named in `present` are already in the folder, verified by the caller, and are not written.
 */
export async function writeOciLayout(
  dir: string,
  image: OciImage,
  present: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const blobDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  const written = ['oci-layout', 'index.json'];
  await writeFile(join(dir, 'oci-layout'), canonicalJson({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), image.index);
  for (const [hex, bytes] of image.blobs) {
    if (!present.has(hex)) await writeFile(join(blobDir, hex), bytes);
    written.push(`blobs/sha256/${hex}`);
  }
  return written;
}

/**
 * Empties an image layout folder of everything but the blobs named in `keep`, so that what an
 * earlier build left (stale blobs, other files) does not survive into the next layout.
 */
export async function pruneOciLayout(dir: string, keep: ReadonlySet<string>): Promise<void> {
  const blobDir = join(dir, 'blobs', 'sha256');
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name !== 'blobs' || !e.isDirectory()) await rm(join(dir, e.name), { recursive: true, force: true });
  }
  if (!existsSync(join(dir, 'blobs'))) return;
  for (const e of await readdir(join(dir, 'blobs'), { withFileTypes: true })) {
    if (e.name !== 'sha256' || !e.isDirectory())
      await rm(join(dir, 'blobs', e.name), { recursive: true, force: true });
  }
  if (!existsSync(blobDir)) return;
  for (const e of await readdir(blobDir, { withFileTypes: true })) {
    if (!(keep.has(e.name) && e.isFile())) await rm(join(blobDir, e.name), { recursive: true, force: true });
  }
}

/** RFC 3339 in UTC, without the milliseconds that `toISOString` adds. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
