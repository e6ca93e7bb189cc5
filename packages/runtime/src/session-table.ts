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
  /** Most sessions held; beyond, the least recently used of the client holding the most goes first. */
  maxSessions: number;
  /**
   * Most sessions one client (remote address) holds; beyond, its own least recently used goes
   * first. Default: half of `maxSessions`.
   */
  maxSessionsPerClient?: number;
  /** Replay window of each session, in messages (a multiple of 32). */
  window: number;
  now?: () => number;
}

interface Entry extends ServerSessionState {
  client: string;
  openedAt: number;
  lastUsed: number;
}

/**
 * The sessions this server holds (docs/protocol.md §11.8): each bound to the key it was opened
 * under, expiring `ttlMs` after opening and `idleMs` after its last message, at most `maxSessions`
 * of them (about 300 bytes each). A session it does not hold answers unknown-session and the client
 * opens a new one.
 *
 * Eviction is per client (remote address): anyone can attest and open sessions, and with a plain
 * LRU one address opening `maxSessions` `$session` calls (one X25519 each) evicted every other
 * client's session, so that their next calls failed with unknown-session (security review, issue
 * 8). A client at `maxSessionsPerClient` evicts its own oldest; a full table evicts the oldest
 * session of the client that holds the most.
 */
export class SessionTable {
  /** session id (hex) → entry; Map order is recency order (a lookup moves the entry to the end). */
  readonly #sessions = new Map<string, Entry>();
  /** client → sessions it holds. */
  readonly #perClient = new Map<string, number>();
  readonly #now: () => number;
  readonly #maxPerClient: number;

  constructor(private readonly options: SessionTableOptions) {
    this.#now = options.now ?? Date.now;
    this.#maxPerClient = options.maxSessionsPerClient ?? Math.max(1, Math.floor(options.maxSessions / 2));
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Keeps a session derived from an opening call; an id already held is left alone (never reset). */
  add(keys: SessionKeys, client = ''): void {
    const id = hexEncode(keys.sessionId);
    if (this.#sessions.has(id)) return;
    const now = this.#now();
    this.#sweep(now);
    if ((this.#perClient.get(client) ?? 0) >= this.#maxPerClient) this.#evictOldestOf(client);
    while (this.#sessions.size >= this.options.maxSessions) {
      if (!this.#evictOldestOf(this.#heaviestClient())) break;
    }
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    this.#sessions.set(id, {
      keys,
      client,
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
      this.#delete(id, entry);
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
      this.#delete(id, entry);
    }
  }

  #delete(id: string, entry: Entry): void {
    this.#sessions.delete(id);
    const left = (this.#perClient.get(entry.client) ?? 1) - 1;
    if (left > 0) this.#perClient.set(entry.client, left);
    else this.#perClient.delete(entry.client);
  }

  /** Evicts `client`'s least recently used session (Map order is recency order); false if none. */
  #evictOldestOf(client: string | undefined): boolean {
    if (client === undefined) return false;
    for (const [id, entry] of this.#sessions) {
      if (entry.client !== client) continue;
      this.#delete(id, entry);
      return true;
    }
    return false;
  }

  #heaviestClient(): string | undefined {
    let heaviest: string | undefined;
    let most = 0;
    for (const [client, count] of this.#perClient) {
      if (count > most) {
        heaviest = client;
        most = count;
      }
    }
    return heaviest;
  }
}
