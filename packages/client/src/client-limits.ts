/**
 * Timeouts of every exchange (milliseconds). A hostile or broken server must not hang the client:
 * before these existed a trickling response hung it for good and a server that sent no headers
 * was noticed only after 300 s.
 */
export interface ClientTimeouts {
  /** Until the request starts to be sent (the connection is up). Default: 10 000. Observed on streamed uploads; otherwise part of `headers`. */
  connect?: number;
  /** From the end of the upload until the response headers. Default: 30 000. */
  headers?: number;
  /** Longest silence between two pieces of a response body. Default: 30 000. */
  body?: number;
  /** The whole exchange, upload and download included. Default: 120 000. */
  total?: number;
}

/** Size limits on everything the client reads (bytes). */
export interface ClientLimits {
  /** The attest answer (envelope JSON with evidence, collateral and release). Default: 4 MiB. */
  attestBytes?: number;
  /** Nesting depth of any JSON the client parses. Default: 64. */
  jsonDepth?: number;
  /** A call's response body when it is read whole (no streamed field). Default: 64 MiB. */
  responseBytes?: number;
  /** A plaintext error body (problem JSON). Default: 4 KiB. */
  problemBytes?: number;
  /**
   * Inputs whose single `Uint8Array` field (or the input itself) is larger than this travel as a
   * chunked stream in a session. Default: 1 MiB.
   */
  streamThreshold?: number;
  /** An input's size when the manifest gives no limit for the endpoint. Default: 32 MiB (the reference server's). */
  inputBytes?: number;
}

/** Retries of calls the protocol proves did not run (or idempotent ones). */
export interface ClientRetry {
  /** Most retries of one call. Default: 3. */
  attempts?: number;
  /** First backoff; doubles each time, with jitter, capped by `maxDelayMs`. Default: 100. */
  baseDelayMs?: number;
  /** Default: 5 000 (also caps a server's `retry-after`). */
  maxDelayMs?: number;
  /**
   * Behind a load balancer: most resends of one call's identical sealed bytes after unknown-key
   * answers that name another replica's key, until they reach the replica holding the key they are
   * sealed to. Safe for every call (that replica opens them once, docs/protocol.md §11.7); not
   * counted in `attempts`. 0 turns it off. Default: 16.
   */
  keyHolderResends?: number;
}

export const DEFAULT_TIMEOUTS: Required<ClientTimeouts> = {
  connect: 10_000,
  headers: 30_000,
  body: 30_000,
  total: 120_000,
};

export const DEFAULT_LIMITS: Required<ClientLimits> = {
  attestBytes: 4 * 1024 * 1024,
  jsonDepth: 64,
  responseBytes: 64 * 1024 * 1024,
  problemBytes: 4 * 1024,
  streamThreshold: 1024 * 1024,
  inputBytes: 32 * 1024 * 1024,
};

export const DEFAULT_RETRY: Required<ClientRetry> = {
  attempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  keyHolderResends: 16,
};
