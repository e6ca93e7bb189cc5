import { createHash } from 'node:crypto';
import type { MeasuredFile } from '@blindbox/attestation/internal';

const LABEL = Buffer.from('blindbox/simulated-measurement/v1\0');

/**
 * The simulated launch measurement (`simulatedMeasurement` of `@blindbox/attestation`, same bytes)
 * computed with Node's native SHA-2: the image holds a 127 MB Node binary, which the pure-JS hash
 * takes about a second to digest, at every build and at every start. The tests check both agree.
 */
export function measureFiles(
  files: readonly (MeasuredFile & { sha256?: Uint8Array })[],
  entrypoint: readonly string[],
): Uint8Array {
  const h = createHash('sha384');
  h.update(LABEL);
  const cmd = Buffer.from(entrypoint.join('\0'), 'utf8');
  h.update(u32(cmd.length));
  h.update(cmd);
  // `sha256`: the file's digest when the caller already computed it from these very bytes (the
  // builder verifies its cache that way), so a 127 MB binary is hashed once, not twice.
  const named = files.map((f) => ({ name: Buffer.from(f.path, 'utf8'), bytes: f.bytes, sha256: f.sha256 }));
  named.sort((a, b) => Buffer.compare(a.name, b.name));
  for (let i = 1; i < named.length; i++) {
    if (Buffer.compare(named[i]?.name ?? Buffer.alloc(0), named[i - 1]?.name ?? Buffer.alloc(0)) === 0) {
      throw new TypeError(`duplicate path ${named[i]?.name.toString()}`);
    }
  }
  for (const file of named) {
    h.update(u32(file.name.length));
    h.update(file.name);
    const size = Buffer.alloc(8);
    size.writeBigUInt64BE(BigInt(file.bytes.length));
    h.update(size);
    h.update(file.sha256 ?? createHash('sha256').update(file.bytes).digest());
  }
  return new Uint8Array(h.digest());
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
