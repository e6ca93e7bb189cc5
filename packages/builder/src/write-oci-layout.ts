import { mkdir, writeFile } from 'node:fs/promises';
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
  const put = (mediaType: string, bytes: Buffer): Descriptor => {
    const hex = sha256Hex(bytes);
    blobs.set(hex, bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };

  // Each layer is hashed once: for an uncompressed layer the blob digest is also its diff_id.
  const layerDescriptors = input.layers.map((l) => put(MEDIA_TYPES.layer, l.tar));
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

/** Writes `image` as an OCI image layout folder (`oci-layout`, `index.json`, `blobs/sha256/…`). */
export async function writeOciLayout(dir: string, image: OciImage): Promise<string[]> {
  const blobDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobDir, { recursive: true });
  const written = ['oci-layout', 'index.json'];
  await writeFile(join(dir, 'oci-layout'), canonicalJson({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), image.index);
  for (const [hex, bytes] of image.blobs) {
    await writeFile(join(blobDir, hex), bytes);
    written.push(`blobs/sha256/${hex}`);
  }
  return written;
}

/** RFC 3339 in UTC, without the milliseconds that `toISOString` adds. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
