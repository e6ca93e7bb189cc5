import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// On Node 20, exporting a freshly generated X25519 key as JWK could deadlock the process when that
// export's allocation ran a GC which finalised the key's generateKeyPairSync job (x25519.ts,
// nodeRawPublic). A tiny young generation makes such a GC likely on every few calls: the old code
// hung within the first thousands of keys. Run in a child process, so that a hang is a failed
// test with a timeout, not a stuck test worker.
const keys = 40_000;
const script = `
import v8 from 'node:v8';
import { generateX25519 } from ${JSON.stringify(fileURLToPath(new URL('../src/hpke/x25519.ts', import.meta.url)))};
v8.setFlagsFromString('--max-semi-space-size=1');
let keep = [];
for (let i = 0; i < ${keys}; i++) {
  const pair = await generateX25519();
  keep.push('x'.repeat(200) + pair.publicKey[0]);
  if (keep.length > 2000) keep = [];
}
console.log('generated ${keys}');
`;

describe('X25519 key generation through node:crypto', () => {
  it(`generates ${keys} key pairs under constant GC pressure without deadlocking`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bb-x25519-gc-'));
    const entry = join(dir, 'entry.mjs');
    writeFileSync(entry, script);
    const out = join(dir, 'bundle.mjs');
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: out,
      logLevel: 'error',
    });
    const run = spawnSync(process.execPath, [out], { encoding: 'utf8', timeout: 25_000 });
    expect(run.signal, 'the key generation hung and was killed').toBeNull();
    expect(run.stdout.trim()).toBe(`generated ${keys}`);
  }, 40_000);
});
