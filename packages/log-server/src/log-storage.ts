import { createHash } from 'node:crypto';
import {
  closeSync,
  fdatasync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { equalBytes } from '@blindbox/bytes';
import { LogError } from '@blindbox/transparency';
import {
  HASH_SIZE,
  type HashStorage,
  hashLeaf,
  MerkleTree,
  parseCheckpoint,
  parseSignedNote,
} from '@blindbox/transparency/internal';

/** One log entry as stored: the canonical body (the Merkle leaf), the attestation, the time. */
export interface StoredEntry {
  /** The canonicalized entry body: the exact bytes hashed into the Merkle leaf (RFC 6962 §3.4). */
  body: Uint8Array;
  /** What the submitter sent besides the canonical body (the DSSE envelope), or empty. */
  attestation: Uint8Array;
  /** Seconds since the epoch at which the log integrated the entry. */
  integratedTime: number;
}

// Record layout in entries.log (all integers big-endian):
//   "BBL1" | u32 bodyLength | u32 attestationLength | u64 integratedTime | body | attestation | check
// where check = SHA-256(everything before it)[0..8]. A record whose check fails, or that is cut short,
// is the trace of a crash in the middle of an append and is truncated at startup.
const MAGIC = Buffer.from('BBL1');
const HEADER = 20;
const CHECK = 8;
/** Largest canonical body the log stores (C2SP tlog-tiles entry bundles prefix entries with a uint16). */
export const MAX_BODY_BYTES = 0xffff;
const BUCKETS = 256;
const BUCKET_RECORD = 12;

/** Node hashes in one file per Merkle level (`tiles/level-<k>`), so that a C2SP tile is a byte range. */
class FileHashStorage implements HashStorage {
  private readonly fds = new Map<number, number>();
  private readonly counts = new Map<number, number>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      const m = /^level-(\d+)$/.exec(name);
      if (m) this.fd(Number(m[1]));
    }
  }

  private fd(level: number): number {
    let fd = this.fds.get(level);
    if (fd === undefined) {
      fd = openReadWrite(join(this.dir, `level-${level}`));
      this.fds.set(level, fd);
      const size = fstatSync(fd).size;
      // A torn trailing hash (crash mid-write) is dropped; recovery recomputes it from the entries.
      if (size % HASH_SIZE !== 0) ftruncateSync(fd, size - (size % HASH_SIZE));
      this.counts.set(level, Math.floor(size / HASH_SIZE));
    }
    return fd;
  }

  levels(): number[] {
    return [...this.fds.keys()].sort((a, b) => a - b);
  }

  count(level: number): number {
    if (!this.fds.has(level)) return 0;
    return this.counts.get(level) ?? 0;
  }

  read(level: number, index: number, n: number): Uint8Array {
    if (index + n > this.count(level))
      throw new RangeError(`no hash ${index + n - 1} at tile level ${level}`);
    const out = Buffer.allocUnsafe(n * HASH_SIZE);
    const got = readSync(this.fd(level), out, 0, out.length, index * HASH_SIZE);
    if (got !== out.length) throw new RangeError(`short read at tile level ${level}`);
    return out;
  }

  append(level: number, hashes: Uint8Array): void {
    const fd = this.fd(level);
    const count = this.count(level);
    writeAll(fd, hashes, count * HASH_SIZE);
    this.counts.set(level, count + hashes.length / HASH_SIZE);
  }

  truncate(level: number, n: number): void {
    ftruncateSync(this.fd(level), n * HASH_SIZE);
    this.counts.set(level, n);
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/**
 * The embedded log's files under `<data>`: `entries.log` (checksummed records, the source of truth,
 * fsynced before anything is signed), `entries.idx` (record offsets), `tiles/level-<k>` (the
 * complete node hashes of Merkle level k), `dedupe/<xx>` (leaf-hash prefix → index, for 409s) and `checkpoint` (the last signed note).
 * Everything but `entries.log` is derived and rebuilt at startup if a crash left it behind. Memory
 * stays O(log n): no leaf, hash or index is kept in memory.
 */
export class LogStorage {
  readonly tree: MerkleTree;
  private readonly hashes: FileHashStorage;
  private readonly entriesFd: number;
  private readonly indexFd: number;
  private readonly bucketFds: number[] = [];
  private entriesEnd = 0;
  private count = 0;

  private constructor(private readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.entriesFd = openReadWrite(join(dataDir, 'entries.log'));
    this.indexFd = openReadWrite(join(dataDir, 'entries.idx'));
    closeSync(openReadWrite(join(dataDir, 'checkpoint')));
    this.hashes = new FileHashStorage(join(dataDir, 'tiles'));
    this.tree = new MerkleTree(this.hashes);
    mkdirSync(join(dataDir, 'dedupe'), { recursive: true });
    for (let b = 0; b < BUCKETS; b++) {
      this.bucketFds.push(openReadWrite(join(dataDir, 'dedupe', b.toString(16).padStart(2, '0'))));
    }
  }

  /** Opens (creating if needed) the log at `dataDir` and recovers from any interrupted append. */
  static open(dataDir: string): LogStorage {
    const storage = new LogStorage(dataDir);
    try {
      storage.recover();
    } catch (err) {
      storage.close();
      throw err;
    }
    return storage;
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /**
   * Appends entries durably: the records are written and fdatasync'ed before the index, the hashes and
   * the dedupe buckets are updated, so that nothing derived (and nothing signed) precedes them.
   * Returns the index of the first entry. The caller serializes calls.
   */
  async append(entries: readonly StoredEntry[]): Promise<number> {
    const first = this.count;
    if (entries.length === 0) return first;
    const records = entries.map(encodeRecord);
    const all = Buffer.concat(records);
    writeAll(this.entriesFd, all, this.entriesEnd);
    await new Promise<void>((resolve, reject) =>
      fdatasync(this.entriesFd, (e) => (e ? reject(e) : resolve())),
    );
    const offsets = Buffer.allocUnsafe(8 * entries.length);
    let at = this.entriesEnd;
    records.forEach((r, i) => {
      offsets.writeBigUInt64BE(BigInt(at), 8 * i);
      at += r.length;
    });
    this.entriesEnd = at;
    writeAll(this.indexFd, offsets, first * 8);
    const leafHashes = entries.map((e) => hashLeaf(e.body));
    this.tree.append(leafHashes);
    for (const [i, h] of leafHashes.entries()) this.addToBucket(h, first + i);
    this.count = first + entries.length;
    return first;
  }

  /** Reads entry `index`. */
  readEntry(index: number): StoredEntry {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.count) {
      throw new LogError('LOG_NOT_FOUND', `no entry ${index} in a log of ${this.count} entries`);
    }
    const record = this.readRecordAt(this.offsetOf(index));
    if (!record) throw new LogError('LOG_STORAGE_CORRUPT', `entry ${index} fails its checksum`);
    return record.entry;
  }

  /** The index of the entry whose leaf hash is `leafHash`, if any (for 409 Conflict). */
  indexOfLeaf(leafHash: Uint8Array): number | undefined {
    const prefix = leafHash.subarray(0, 8);
    const fd = this.bucketFds[leafHash[0] as number] as number;
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(size);
    readSync(fd, buf, 0, size, 0);
    for (let o = 0; o + BUCKET_RECORD <= size; o += BUCKET_RECORD) {
      if (equalBytes(buf.subarray(o, o + 8), prefix)) {
        const index = buf.readUInt32BE(o + 8);
        if (index < this.count && equalBytes(this.hashes.read(0, index, 1), leafHash)) return index;
      }
    }
    return undefined;
  }

  /** The last checkpoint this log signed (the full signed note), if any. */
  lastCheckpoint(): string | undefined {
    const text = readFileSync(join(this.dataDir, 'checkpoint'), 'utf8');
    try {
      parseCheckpoint(parseSignedNote(text).text);
      return text;
    } catch {
      return undefined;
    }
  }

  /**
   * Records the signed note just made. Not fsynced: the entries it covers are already durable, so
   * losing this file on power loss only weakens the startup self-check.
   */
  saveCheckpoint(signedNote: string): void {
    // Write aside, then rename over: a kill at any point leaves the previous note or the new one,
    // never a shorter note followed by the old tail (which would disable the startup self-check).
    const tmp = join(this.dataDir, 'checkpoint.tmp');
    writeFileSync(tmp, signedNote, 'utf8');
    renameSync(tmp, join(this.dataDir, 'checkpoint'));
  }

  close(): void {
    this.hashes.close();
    for (const fd of [this.entriesFd, this.indexFd, ...this.bucketFds]) closeSync(fd);
    this.bucketFds.length = 0;
  }

  private offsetOf(index: number): number {
    const b = Buffer.allocUnsafe(8);
    if (readSync(this.indexFd, b, 0, 8, index * 8) !== 8)
      throw new LogError('LOG_STORAGE_CORRUPT', 'short index');
    return Number(b.readBigUInt64BE(0));
  }

  private readRecordAt(offset: number): { entry: StoredEntry; end: number } | undefined {
    const header = Buffer.allocUnsafe(HEADER);
    if (readSync(this.entriesFd, header, 0, HEADER, offset) !== HEADER) return undefined;
    if (!header.subarray(0, 4).equals(MAGIC)) return undefined;
    const bodyLength = header.readUInt32BE(4);
    const attLength = header.readUInt32BE(8);
    if (bodyLength > MAX_BODY_BYTES || attLength > 16 * 1024 * 1024) return undefined;
    const rest = Buffer.allocUnsafe(bodyLength + attLength + CHECK);
    if (readSync(this.entriesFd, rest, 0, rest.length, offset + HEADER) !== rest.length) return undefined;
    const check = createHash('sha256')
      .update(header)
      .update(rest.subarray(0, bodyLength + attLength))
      .digest();
    if (!check.subarray(0, CHECK).equals(rest.subarray(bodyLength + attLength))) return undefined;
    return {
      entry: {
        body: rest.subarray(0, bodyLength),
        attestation: rest.subarray(bodyLength, bodyLength + attLength),
        integratedTime: Number(header.readBigUInt64BE(12)),
      },
      end: offset + HEADER + rest.length,
    };
  }

  private addToBucket(leafHash: Uint8Array, index: number): void {
    const rec = Buffer.allocUnsafe(BUCKET_RECORD);
    rec.set(leafHash.subarray(0, 8));
    rec.writeUInt32BE(index, 8);
    const fd = this.bucketFds[leafHash[0] as number] as number;
    writeAll(fd, rec, fstatSync(fd).size);
  }

  /**
   * Crash recovery: trust the index up to the last record that checks, scan forward for records
   * written after it, truncate a partial trailing record, then bring the derived files in line.
   */
  private recover(): void {
    // 1. the index: whole 8-byte offsets only, each pointing at a record that checks
    const indexSize = fstatSync(this.indexFd).size;
    let n = Math.floor(indexSize / 8);
    let end = 0;
    while (n > 0) {
      // offsets only grow: a zero-filled tail (power loss) points back at record 0, which checks
      const offset = this.offsetOf(n - 1);
      const plausible = n === 1 ? offset === 0 : offset > this.offsetOf(n - 2);
      const rec = plausible ? this.readRecordAt(offset) : undefined;
      if (rec) {
        end = rec.end;
        break;
      }
      n--;
    }
    ftruncateSync(this.indexFd, n * 8);
    // 2. records after the last indexed one (written, maybe fsynced, index not yet updated)
    const newOffsets: number[] = [];
    for (;;) {
      const rec = this.readRecordAt(end);
      if (!rec) break;
      newOffsets.push(end);
      end = rec.end;
    }
    if (newOffsets.length > 0) {
      const b = Buffer.allocUnsafe(8 * newOffsets.length);
      for (const [i, o] of newOffsets.entries()) b.writeBigUInt64BE(BigInt(o), 8 * i);
      writeAll(this.indexFd, b, n * 8);
      n += newOffsets.length;
    }
    this.entriesEnd = end;
    this.count = n;
    this.reconcileHashes(n);
    // 3. the last checkpoint this log signed must still be a prefix of what is on disk
    const signed = this.lastCheckpoint();
    if (signed !== undefined && !this.matchesCheckpoint(signed)) {
      this.rebuildHashes(n);
      if (!this.matchesCheckpoint(signed)) {
        // entries.log is left as it is: what follows a damaged record may be signed entries
        throw new LogError(
          'LOG_STORAGE_CORRUPT',
          `the log's entries in ${this.dataDir} do not reproduce the last checkpoint it signed; refusing to start ` +
            'rather than sign an inconsistent one. Restore the data directory from a backup.',
        );
      }
    }
    // 4. only then: a partial trailing record was never acknowledged, drop it
    ftruncateSync(this.entriesFd, end);
    this.reconcileBuckets(n);
  }

  private matchesCheckpoint(signedNote: string): boolean {
    const cp = parseCheckpoint(parseSignedNote(signedNote).text);
    return cp.size <= this.count && equalBytes(this.tree.rootHash(cp.size), cp.rootHash);
  }

  private reconcileHashes(n: number): void {
    // level 0 must hold exactly one leaf hash per entry; upper levels exactly what full tiles imply
    if (this.hashes.count(0) > n) this.hashes.truncate(0, n);
    for (const level of this.hashes.levels()) {
      if (level === 0) continue;
      const expected = Math.floor(this.hashes.count(level - 1) / 2 ** this.tree.stride);
      if (this.hashes.count(level) > expected) this.hashes.truncate(level, expected);
    }
    const have = this.hashes.count(0);
    if (have < n) {
      const missing: Uint8Array[] = [];
      for (let i = have; i < n; i++) missing.push(hashLeaf(this.readEntry(i).body));
      this.hashes.append(0, Buffer.concat(missing));
    }
    this.tree.completeLevels();
  }

  private rebuildHashes(n: number): void {
    for (const level of this.hashes.levels()) this.hashes.truncate(level, 0);
    this.reconcileHashes(n);
  }

  private reconcileBuckets(n: number): void {
    let total = 0;
    let torn = false;
    for (const fd of this.bucketFds) {
      const size = fstatSync(fd).size;
      torn ||= size % BUCKET_RECORD !== 0;
      total += Math.floor(size / BUCKET_RECORD);
    }
    if (!torn && total === n) return;
    for (const fd of this.bucketFds) ftruncateSync(fd, 0);
    const chunk = 4096;
    for (let i = 0; i < n; i += chunk) {
      const count = Math.min(chunk, n - i);
      const leaves = this.hashes.read(0, i, count);
      for (let j = 0; j < count; j++)
        this.addToBucket(leaves.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE), i + j);
    }
  }
}

function encodeRecord(entry: StoredEntry): Buffer {
  if (entry.body.length > MAX_BODY_BYTES) throw new RangeError('entry body too large');
  const header = Buffer.allocUnsafe(HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(entry.body.length, 4);
  header.writeUInt32BE(entry.attestation.length, 8);
  header.writeBigUInt64BE(BigInt(entry.integratedTime), 12);
  const check = createHash('sha256').update(header).update(entry.body).update(entry.attestation).digest();
  return Buffer.concat([header, entry.body, entry.attestation, check.subarray(0, CHECK)]);
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
}

/** Opens read-write without O_APPEND (Linux ignores positions on append-mode writes), creating if needed. */
function openReadWrite(path: string): number {
  try {
    return openSync(path, 'r+');
  } catch {
    return openSync(path, 'w+');
  }
}
