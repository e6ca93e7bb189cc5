import {
  appendFileSync,
  closeSync,
  cpSync,
  openSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { hexEncode as toHex } from '@blindbox/bytes';
import { formatCheckpoint, hashLeaf } from '@blindbox/transparency/internal';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures.js';
import { loadOrCreateLogKeys, signCheckpointNote } from './log-keys.js';
import { LogStorage } from './log-storage.js';

const entry = (i: number) => ({
  body: Buffer.from(`{"entry":${i}}`),
  attestation: Buffer.from(`att-${i}`),
  integratedTime: 1_700_000_000 + i,
});

describe('LogStorage crash recovery', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('storage');
  });
  afterEach(async () => {
    await dir.remove();
  });

  async function filled(n: number): Promise<{ root: string }> {
    const s = LogStorage.open(dir.path);
    for (let i = 0; i < n; i += 50)
      await s.append(Array.from({ length: Math.min(50, n - i) }, (_, j) => entry(i + j)));
    const keys = loadOrCreateLogKeys(dir.path);
    s.saveCheckpoint(
      signCheckpointNote(
        keys,
        formatCheckpoint({ origin: keys.origin, size: s.size, rootHash: s.tree.rootHash() }),
      ),
    );
    const root = toHex(s.tree.rootHash());
    s.close();
    return { root };
  }

  it('drops a torn trailing record, a torn index, torn and missing hashes, and rebuilds the dedupe index', async () => {
    const { root } = await filled(300);
    appendFileSync(join(dir.path, 'entries.log'), Buffer.from('BBL1\0\0\0\x40partial'));
    truncateSync(join(dir.path, 'entries.idx'), 300 * 8 - 3);
    truncateSync(join(dir.path, 'tiles', 'level-0'), 290 * 32 - 7);
    rmSync(join(dir.path, 'tiles', 'level-1'));
    truncateSync(join(dir.path, 'dedupe', '00'), 0);
    const s = LogStorage.open(dir.path);
    expect(s.size).toBe(300);
    expect(toHex(s.tree.rootHash())).toBe(root);
    expect(s.readEntry(299).integratedTime).toBe(1_700_000_299);
    for (const i of [0, 17, 256, 299]) expect(s.indexOfLeaf(hashLeaf(entry(i).body))).toBe(i);
    expect(s.indexOfLeaf(hashLeaf(Buffer.from('nope')))).toBeUndefined();
    const next = await s.append([entry(300)]);
    expect(next).toBe(300);
    s.close();
    expect(statSync(join(dir.path, 'entries.idx')).size).toBe(301 * 8);
  });

  it('indexes complete records written after the index (crash between the fsync and the index write)', async () => {
    await filled(10);
    truncateSync(join(dir.path, 'entries.idx'), 6 * 8);
    const s = LogStorage.open(dir.path);
    expect(s.size).toBe(10);
    expect(Buffer.from(s.readEntry(9).attestation).toString()).toBe('att-9');
    s.close();
  });

  it('rebuilds damaged hashes from the entries, and refuses to start when the entries cannot reproduce its checkpoint', async () => {
    const { root } = await filled(20);
    const flip = (file: string, at: number) => {
      const fd = openSync(join(dir.path, file), 'r+');
      writeSync(fd, Buffer.from('X'), 0, 1, at);
      closeSync(fd);
    };
    // a damaged node on the root's path: the root no longer matches the checkpoint, so the hashes are rebuilt from the entries
    flip(join('tiles', 'level-4'), 5);
    const healed = LogStorage.open(dir.path);
    expect(toHex(healed.tree.rootHash())).toBe(root);
    healed.close();
    // a damaged hash and a damaged entry (record 5 is 44 bytes from 220): no way back to the signed root
    flip(join('tiles', 'level-4'), 5);
    flip('entries.log', 5 * 44 + 25);
    expect(() => LogStorage.open(dir.path)).toThrow(expect.objectContaining({ code: 'LOG_STORAGE_CORRUPT' }));
  });

  it('recovers to exactly the complete records for a crash at any byte of the last append (property)', async () => {
    const base = LogStorage.open(dir.path);
    await base.append(Array.from({ length: 40 }, (_, i) => entry(i)));
    const sizeAt40 = statSync(join(dir.path, 'entries.log')).size;
    await base.append(Array.from({ length: 10 }, (_, i) => entry(40 + i)));
    const full = statSync(join(dir.path, 'entries.log')).size;
    const roots = Array.from({ length: 11 }, (_, k) => toHex(base.tree.rootHash(40 + k)));
    base.close();
    const pristine = join(dir.path, '..', `${dir.path.split('/').pop()}-copy`);
    cpSync(dir.path, pristine, { recursive: true });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: sizeAt40, max: full }),
          fc.integer({ min: 0, max: 50 * 8 }),
          fc.integer({ min: 0, max: 50 * 32 }),
          async (cut, indexCut, hashCut) => {
            rmSync(dir.path, { recursive: true, force: true });
            cpSync(pristine, dir.path, { recursive: true });
            // the crash: the last batch's bytes cut anywhere, derived files cut anywhere
            truncateSync(join(dir.path, 'entries.log'), cut);
            truncateSync(
              join(dir.path, 'entries.idx'),
              Math.min(indexCut, statSync(join(dir.path, 'entries.idx')).size),
            );
            truncateSync(
              join(dir.path, 'tiles', 'level-0'),
              Math.min(hashCut, statSync(join(dir.path, 'tiles', 'level-0')).size),
            );
            const s = LogStorage.open(dir.path);
            try {
              // every record wholly on disk survives, the partial one is dropped, the tree matches
              const complete = 40 + Math.floor(((cut - sizeAt40) / (full - sizeAt40)) * 10 + 1e-9);
              expect(s.size).toBe(complete);
              expect(toHex(s.tree.rootHash())).toBe(roots[complete - 40]);
              expect(s.indexOfLeaf(hashLeaf(entry(complete - 1).body))).toBe(complete - 1);
              expect(statSync(join(dir.path, 'entries.log')).size).toBeLessThanOrEqual(cut);
            } finally {
              s.close();
            }
          },
        ),
        { numRuns: 25 },
      );
    } finally {
      rmSync(pristine, { recursive: true, force: true });
    }
  });

  it('refuses to start, without truncating anything, when a record it signed is damaged and the index is lost', async () => {
    await filled(20);
    const before = statSync(join(dir.path, 'entries.log')).size;
    const fd = openSync(join(dir.path, 'entries.log'), 'r+');
    writeSync(fd, Buffer.from('X'), 0, 1, 5 * 44 + 25); // bit rot in record 5 of 20
    closeSync(fd);
    truncateSync(join(dir.path, 'entries.idx'), 0);
    expect(() => LogStorage.open(dir.path)).toThrow(expect.objectContaining({ code: 'LOG_STORAGE_CORRUPT' }));
    // records 6..19 are intact and signed: recovery must leave them for a human, not cut them off
    expect(statSync(join(dir.path, 'entries.log')).size).toBe(before);
  });

  it('does not follow index entries that point backwards (a zero-filled index tail after power loss)', async () => {
    await filled(20);
    const fd = openSync(join(dir.path, 'entries.idx'), 'r+');
    writeSync(fd, Buffer.alloc(4 * 8), 0, 4 * 8, 16 * 8);
    closeSync(fd);
    const s = LogStorage.open(dir.path);
    expect(s.size).toBe(20);
    expect(Buffer.from(s.readEntry(19).attestation).toString()).toBe('att-19');
    s.close();
  });

  it('refuses to start when entries it signed are gone', async () => {
    await filled(20);
    truncateSync(join(dir.path, 'entries.log'), 10 * 44);
    expect(() => LogStorage.open(dir.path)).toThrow(expect.objectContaining({ code: 'LOG_STORAGE_CORRUPT' }));
  });
});
