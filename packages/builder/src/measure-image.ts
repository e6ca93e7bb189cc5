import type { MeasuredFile } from '@blindbox/attestation/internal';
import { hexEncode as toHex } from '@blindbox/bytes';
import { measureFiles } from '@blindbox/runtime/simulator';
import { ociDigest } from './digest.js';
import type { ImageLayer } from './write-oci-layout.js';
import type { LayerFile } from './write-tar-layer.js';

/** What the image itself measures to, whatever platform it runs on. */
export type ImageMeasurements = {
  /** `sha256:<hex>` of the image manifest: what registry-based image policies pin. */
  'oci.imageDigest': string;
  /** Lowercase hex SHA-384: what the local simulated TEE measures at launch. */
  simulated: string;
};

/**
 * The measurements a release records, keyed as `RELEASE_VALUES` of `@blindbox/protocol` names them:
 * the image's, and the configured platforms' (`sev-snp`, `snp.hostData`, `tdx`, `nitro`, …).
 */
// A type alias, not an interface: it must be assignable to Record<string, string> (client policies).
export type ReleaseMeasurements = ImageMeasurements & Record<string, string>;

/**
 * The files the simulator will load from the image: every regular file of every layer, applied in
 * order (a later layer's file replaces an earlier one at the same path), at its path relative to
 * the image root (`app/main.mjs`). This is the contract with the simulator (README §Measurement).
 */
export function imageFiles(layers: readonly ImageLayer[]): (MeasuredFile & { sha256?: Uint8Array })[] {
  const files = new Map<string, LayerFile>();
  for (const layer of layers) for (const file of layer.files) files.set(file.path, file);
  return [...files.values()].map((f) => ({
    path: f.path,
    bytes: f.bytes,
    ...(f.sha256 ? { sha256: f.sha256 } : {}),
  }));
}

/** Measures an image: its manifest digest and the simulated launch measurement. */
export function measureImage(input: {
  manifestBytes: Uint8Array;
  layers: readonly ImageLayer[];
  config: { Entrypoint: string[]; Cmd?: string[] };
}): ImageMeasurements {
  // The entrypoint is what the simulator runs: Entrypoint followed by Cmd (Cmd absent: nothing).
  const entrypoint = [...input.config.Entrypoint, ...(input.config.Cmd ?? [])];
  return {
    'oci.imageDigest': ociDigest(input.manifestBytes),
    simulated: toHex(measureFiles(imageFiles(input.layers), entrypoint)),
  };
}
