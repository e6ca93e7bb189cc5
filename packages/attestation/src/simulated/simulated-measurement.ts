import { utf8Encode } from '@blindbox/bytes';
import { sha256, sha384 } from '@noble/hashes/sha2.js';

/** A file as the simulator loads it from the image: a path inside the image and its bytes. */
export interface MeasuredFile {
  path: string;
  bytes: Uint8Array;
}

const LABEL = utf8Encode('blindbox/simulated-measurement/v1\0');

function compareBytewise(a: string, b: string): number {
  const ea = utf8Encode(a);
  const eb = utf8Encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return (ea[i] ?? 0) - (eb[i] ?? 0);
  return ea.length - eb.length;
}

/**
 * The simulated TEE's launch measurement: SHA-384 over the entrypoint and every file it loads.
 *
 * `SHA-384(label ‖ u32(len(cmd)) ‖ cmd ‖ for each file sorted byte-wise by path:
 *   u32(len(path)) ‖ path ‖ u64(size) ‖ SHA-256(content))`, all integers big-endian, strings UTF-8,
 * `cmd` = the entrypoint arguments joined with NUL. The build computes it over the files it writes; the
 * simulator computes it over the files it extracts from the image and runs: never read from a file.
 */
export function simulatedMeasurement(
  files: readonly MeasuredFile[],
  entrypoint: readonly string[],
): Uint8Array {
  const h = sha384.create();
  h.update(LABEL);
  const cmd = utf8Encode(entrypoint.join('\0'));
  h.update(u32(cmd.length));
  h.update(cmd);
  const sorted = [...files].sort((a, b) => compareBytewise(a.path, b.path));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.path === sorted[i - 1]?.path) throw new TypeError(`duplicate path ${sorted[i]?.path}`);
  }
  for (const file of sorted) {
    const path = utf8Encode(file.path);
    h.update(u32(path.length));
    h.update(path);
    h.update(u64(file.bytes.length));
    h.update(sha256(file.bytes));
  }
  return h.digest();
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}
