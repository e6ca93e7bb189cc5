import type { AppendWriter } from './append-writer.js';
import type { LogKeys } from './log-keys.js';
import type { LogStorage } from './log-storage.js';

/** What the routes of one running log share. */
export interface LogContext {
  storage: LogStorage;
  keys: LogKeys;
  writer: AppendWriter;
  /** Hex SHA-256 of the log key's SPKI DER (Rekor's log ID). */
  logIdHex: string;
  /** Largest request body accepted, in bytes. */
  maxRequestBytes: number;
  /** Appends allowed to wait for the disk before new ones get 503. */
  maxPending: number;
}
