import { equalBytes, hexEncode } from '@blindbox/bytes';
import {
  ReplayWindow,
  type ServerSessionState,
  type SessionHeader,
  type SessionKeys,
} from '@blindbox/protocol';

/** Options of {@link SessionTable}. */
export interface SessionTableOptions {
  /** Longest life of a session from its opening, ms. */
  ttlMs: number;
  /** A session without a message for this long is dropped, ms. */
  idleMs: number;
  /** Most sessions held; beyond, the least recently used goes first. */
  maxSessions: number;
  /** Replay window of each session, in messages (a multiple of 32). */
  window: number;
  now?: () => number;
}

interface Entry extends ServerSessionState {
  openedAt: number;
  lastUsed: number;
}

/**
 * The sessions this server holds (docs/protocol.md §11.8): each bound to the key it was opened
 * under, expiring `ttlMs` after opening and `idleMs` after its last message, at most `maxSessions`
 * of them (about 300 bytes each), least recently used evicted first. A session it does not hold
 * answers unknown-session and the client opens a new one.
 */
export class SessionTable {
  /** session id (hex) → entry; Map order is recency order (a lookup moves the entry to the end). */
  readonly #sessions = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(private readonly options: SessionTableOptions) {
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Keeps a session derived from an opening call; an id already held is left alone (never reset). */
  add(keys: SessionKeys): void {
    const id = hexEncode(keys.sessionId);
    if (this.#sessions.has(id)) return;
    const now = this.#now();
    this.#sweep(now);
    while (this.#sessions.size >= this.options.maxSessions) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    this.#sessions.set(id, {
      keys,
      window: new ReplayWindow(this.options.window),
      openedAt: now,
      lastUsed: now,
    });
  }

  /** The live session a message names, or undefined (unknown, expired, idle, other key). */
  lookup(header: SessionHeader): ServerSessionState | undefined {
    const id = hexEncode(header.sessionId);
    const entry = this.#sessions.get(id);
    if (entry === undefined || !equalBytes(entry.keys.keyId, header.keyId)) return undefined;
    const now = this.#now();
    if (now - entry.openedAt >= this.options.ttlMs || now - entry.lastUsed >= this.options.idleMs) {
      this.#sessions.delete(id);
      return undefined;
    }
    entry.lastUsed = now;
    this.#sessions.delete(id);
    this.#sessions.set(id, entry);
    return entry;
  }

  /** Drops idle sessions from the least recently used end. */
  #sweep(now: number): void {
    for (const [id, entry] of this.#sessions) {
      if (now - entry.lastUsed < this.options.idleMs && now - entry.openedAt < this.options.ttlMs) return;
      this.#sessions.delete(id);
    }
  }
}
