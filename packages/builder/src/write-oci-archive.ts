import { canonicalJson } from './canonical-json.js';
import type { OciImage } from './write-oci-layout.js';
import { type LayerFile, writeTarLayer } from './write-tar-layer.js';

/**
 * The image as an `oci-archive` tarball (the OCI image layout folder, as a tar): deterministic like
 * the layers (sorted entries, fixed modes and owners, mtime = `sourceDateEpoch`).
 */
export function writeOciArchive(image: OciImage, sourceDateEpoch: number): Promise<Buffer> {
  const files: LayerFile[] = [
    { path: 'oci-layout', bytes: Buffer.from(canonicalJson({ imageLayoutVersion: '1.0.0' })) },
    { path: 'index.json', bytes: image.index },
  ];
  for (const [hex, bytes] of image.blobs) files.push({ path: `blobs/sha256/${hex}`, bytes });
  return writeTarLayer(files, sourceDateEpoch);
}
