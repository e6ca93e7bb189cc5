/** Bounds on one CBOR input (docs/protocol.md §7, §11.9). */
export interface CborLimits {
  /** Deepest nesting of arrays and maps: 128 nested containers pass, 129 fail. Default: 128. */
  maxDepth: number;
  /**
   * Most data items (every array, map, key, value and scalar counts one). Default: 262 144. A
   * receiver that knows the schema passes a tighter bound (e.g. from `maxItems` of its arrays).
   */
  maxItems: number;
  /** Largest input in bytes. Default: 64 MiB. */
  maxBytes: number;
}

/** The default {@link CborLimits}. */
export const CBOR_DEFAULT_LIMITS: Readonly<CborLimits> = Object.freeze({
  maxDepth: 128,
  maxItems: 262_144,
  maxBytes: 64 * 1024 * 1024,
});
