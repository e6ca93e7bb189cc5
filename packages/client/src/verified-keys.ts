/** What the map needs of a verified key: its id (hex) and when its attestation expires. */
export interface VerifiedKey {
  readonly id: string;
  readonly expiresAt: number;
}

/**
 * The server keys a client has verified (full attestation and policy), by key id in hex: behind a
 * load balancer every replica has its own key (docs/protocol.md §11.8). Bounded, and a key is
 * dropped at its attestation's expiry, so a client never seals to a key it verified too long ago.
 */
export class VerifiedKeys<K extends VerifiedKey> {
  readonly #byId = new Map<string, K>();
  readonly #max: number;
  readonly #now: () => number;
  readonly #onDrop: (id: string) => void;

  /** `onDrop` is called for every key that leaves the map (its session goes with it). */
  constructor(max: number, now: () => number, onDrop: (id: string) => void) {
    this.#max = max;
    this.#now = now;
    this.#onDrop = onDrop;
  }

  /** The verified key with this id, undefined when there is none or its attestation expired. */
  get(id: string): K | undefined {
    const key = this.#byId.get(id);
    if (key === undefined) return undefined;
    if (this.#now() < key.expiresAt) return key;
    this.delete(id);
    return undefined;
  }

  /**
   * Adds `key`, replacing a record of the same id (its session is dropped: it was opened under the
   * older attestation). Beyond the bound the expired keys go first, then the oldest, never `keep`.
   */
  put(key: K, keep: string): void {
    if (this.#byId.has(key.id)) this.delete(key.id);
    this.#byId.set(key.id, key);
    if (this.#byId.size <= this.#max) return;
    for (const id of [...this.#byId.keys()]) this.get(id);
    for (const id of this.#byId.keys()) {
      if (this.#byId.size <= this.#max) break;
      if (id !== keep && id !== key.id) this.delete(id);
    }
  }

  delete(id: string): void {
    if (this.#byId.delete(id)) this.#onDrop(id);
  }
}
