import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** An OCI digest string: `sha256:<hex>`. */
export function ociDigest(bytes: Uint8Array | string): string {
  return `sha256:${sha256Hex(bytes)}`;
}
