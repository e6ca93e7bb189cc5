import { hexEncode } from '@blindbox/bytes';
import { LogError } from '@blindbox/transparency';
import { hashLeaf } from '@blindbox/transparency/internal';
import type { CanonicalEntry } from './canonicalize-proposed-entry.js';
import type { LogKeys } from './log-keys.js';
import type { LogStorage } from './log-storage.js';
import { restoreCheckpoint, type SignedCheckpoint, signNextCheckpoint } from './sign-checkpoint.js';

interface PendingAppend {
  entry: CanonicalEntry;
  leafHash: Uint8Array;
  resolve(index: number): void;
  reject(err: unknown): void;
}

/**
 * The one writer of a log: appends are serialized and group-committed. Requests that arrive while an
 * fsync runs are written together by the next batch; each batch is fdatasync'ed before its checkpoint
 * is signed (durable first, signed second), so a signed checkpoint never covers an entry a crash can lose.
 */
export class AppendWriter {
  /** The checkpoint last signed; it only ever grows. */
  signed: SignedCheckpoint;
  private readonly queue: PendingAppend[] = [];
  private writing: Promise<void> | undefined;
  private failed = false;

  constructor(
    private readonly storage: LogStorage,
    private readonly keys: LogKeys,
    private readonly maxBatch: number,
  ) {
    this.signed = restoreCheckpoint(keys, storage);
  }

  /** Appends waiting for the disk. */
  get pending(): number {
    return this.queue.length;
  }

  /** True after an I/O failure: the files are left for recovery to judge at the next start. */
  get stopped(): boolean {
    return this.failed;
  }

  /** Queues an entry; resolves with its index once it is durable and covered by a signed checkpoint. */
  append(entry: CanonicalEntry): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ entry, leafHash: hashLeaf(entry.body), resolve, reject });
      if (!this.writing) {
        this.writing = this.drain().finally(() => {
          this.writing = undefined;
        });
      }
    });
  }

  /** Resolves when no batch is being written (used on close). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const accepted = this.refuseDuplicates(this.queue.splice(0, this.maxBatch));
      if (accepted.length > 0) await this.commit(accepted);
    }
  }

  /** Rejects entries already in the log, or twice in this batch (`LOG_DUPLICATE_ENTRY`). */
  private refuseDuplicates(batch: PendingAppend[]): PendingAppend[] {
    const accepted: PendingAppend[] = [];
    const seen = new Set<string>();
    for (const p of batch) {
      const key = hexEncode(p.leafHash);
      if (this.storage.indexOfLeaf(p.leafHash) !== undefined || seen.has(key)) {
        p.reject(
          new LogError(
            'LOG_DUPLICATE_ENTRY',
            `an equivalent entry already exists in the log with UUID ${key}`,
          ),
        );
      } else {
        seen.add(key);
        accepted.push(p);
      }
    }
    return accepted;
  }

  private async commit(accepted: PendingAppend[]): Promise<void> {
    const integratedTime = Math.floor(Date.now() / 1000);
    try {
      const first = await this.storage.append(
        accepted.map((p) => ({ body: p.entry.body, attestation: p.entry.attestation, integratedTime })),
      );
      this.signed = signNextCheckpoint(this.keys, this.storage, this.signed);
      for (const [i, p] of accepted.entries()) p.resolve(first + i);
    } catch (err) {
      // an I/O failure leaves the files for recovery to judge: stop taking writes
      this.failed = true;
      for (const p of [...accepted, ...this.queue.splice(0)]) p.reject(err);
    }
  }
}
