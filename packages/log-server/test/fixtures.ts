import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A release statement shaped like the one `blindbox build` writes (docs/design.md §6). */
export function releaseStatement(version = '1.0.0', digest = 'a'.repeat(64)) {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'transcriber', digest: { sha256: digest } }],
    predicateType: 'https://blindbox.dev/release/v1',
    predicate: {
      app: 'transcriber',
      version,
      measurements: { 'oci.imageDigest': `sha256:${digest}`, simulated: 'b'.repeat(96) },
      appManifestDigest: `sha256:${'c'.repeat(64)}`,
      source: {
        repository: 'https://github.com/acme/transcriber',
        commit: 'd'.repeat(40),
        treeDigest: 'e'.repeat(64),
      },
      builder: { name: 'blindbox', version: '0.1.0' },
      sourceDateEpoch: 0,
    },
  };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `blindbox-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
