import {
  MAX_SESSIONS,
  REPLAY_CACHE_ENTRIES,
  REPLAY_FUTURE_WINDOW_MS,
  REPLAY_PAST_WINDOW_MS,
  SESSION_IDLE_SECONDS,
  SESSION_TTL_SECONDS,
  SESSION_WINDOW,
} from '@blindbox/protocol';
import { HELD_PER_BODY_BYTE } from './body-budget.js';

/**
 * Every resource bound of the enclave server, in one place (docs/runtime-limits.md explains each one
 * and the attack it answers). Defaults suit one enclave serving many clients on a few GiB of memory;
 * tests pass small values so that each attack is reproduced in milliseconds.
 */
export interface ServerLimits {
  /**
   * Open TCP connections at once; beyond, new connections are closed on accept (Node's
   * `server.maxConnections`). Default: 4096.
   */
  maxConnections: number;
  /**
   * Open connections from one remote address: one address can take at most this share of
   * `maxConnections`. Behind a load balancer or a NAT every client shares its address: set it to
   * `maxConnections` there. Default: 2048 (half of the default `maxConnections`; 1,024 made one
   * process running 1,000 concurrent clients lose half its first calls).
   */
  maxConnectionsPerClient: number;
  /**
   * Requests one connection may have outstanding (HTTP/1.1 pipelining: sent before the earlier
   * replies were read). A connection exceeding it is closed: pipelined attest requests whose replies
   * are never read grew the heap without bound. Default: 8.
   */
  maxPipelinedRequests: number;
  /**
   * Evidence requests (attest) handed to the attestation provider at once; the hardware serialises
   * them anyway. Default: 8.
   */
  maxEvidenceInFlight: number;
  /** Attest requests waiting for a provider slot; beyond, `503` with `retry-after`. Default: 64. */
  maxEvidenceQueued: number;
  /**
   * Time to receive a request's headers (Node's `server.headersTimeout`), against slow-loris
   * header trickling. Default: 10 000 ms.
   */
  headersTimeoutMs: number;
  /**
   * Time to receive a whole request, headers and body (Node's `server.requestTimeout`). Large
   * bodies need it long; stalled bodies are caught by `bodyIdleTimeoutMs`. Default: 600 000 ms.
   */
  requestTimeoutMs: number;
  /**
   * A request body that delivers no byte for this long is abandoned (`408`, connection closed):
   * stalled uploads otherwise held the body budget for minutes. Default: 5 000 ms.
   */
  bodyIdleTimeoutMs: number;
  /**
   * Slowest average rate of a call body, in bytes per second of waiting for the client, enforced
   * after `bodyRateGraceMs` (`408`, connection closed). A body trickled a byte at a time, never
   * idle for `bodyIdleTimeoutMs`, held its budget until `requestTimeoutMs` (52 such 64 KiB uploads
   * held the whole small-call reserve). Default: 8 192 (64 kbit/s).
   */
  minBodyBytesPerSecond: number;
  /** Waiting for a body's bytes before `minBodyBytesPerSecond` applies. Default: 3 000 ms. */
  bodyRateGraceMs: number;
  /**
   * How long an idle keep-alive connection stays open (Node's `server.keepAliveTimeout`). Longer
   * than the usual client idle timeouts (4 s in undici, 5 s in Node's agent), so that the client, not
   * the server, closes idle connections: a server closing at the moment a client reuses the
   * connection is what reset about 3 % of first calls under load. Default: 65 000 ms.
   */
  keepAliveTimeoutMs: number;
  /**
   * A connection with no traffic in either direction for this long is destroyed (a reader that
   * stopped reading our replies). Default: 120 000 ms.
   */
  socketIdleTimeoutMs: number;
  /** How often Node checks the header and request timeouts. Default: 1 000 ms. */
  timeoutCheckIntervalMs: number;
  /** Pending TCP connections the kernel queues before `accept` (capped by `net.core.somaxconn`). Default: 4096. */
  listenBacklog: number;
  /** Largest sealed call body, in bytes; larger ones get `413`. Default: 32 MiB. */
  maxBodyBytes: number;
  /**
   * Memory held for call bodies (the body and its plaintext: {@link HELD_PER_BODY_BYTE} bytes per
   * body byte) across all requests in flight; a request that would exceed it gets `503` with
   * `retry-after`. Default: 4 large calls, 4 × `maxBodyBytes` × 5.
   */
  maxInFlightBodyBytes: number;
  /** The same, for all requests of one remote address. Default: 2 × `maxBodyBytes` × 5. */
  maxInFlightBodyBytesPerClient: number;
  /**
   * Calls whose declared body is at most this big draw from a separate reserve
   * (`smallBodyReserveBytes`), so that a few large or stalled uploads never starve small calls.
   * Default: 64 KiB.
   */
  smallBodyBytes: number;
  /** The reserve (held memory) for small calls, across all clients. Default: 16 MiB (51 calls of 64 KiB, 3 000 of 1 KiB). */
  smallBodyReserveBytes: number;
  /** One-shot replay protection: oldest acceptable `sentAt`, relative to the server clock. Default: 300 000 ms. */
  replayPastWindowMs: number;
  /** Newest acceptable `sentAt` (client clocks run ahead). Default: 60 000 ms. */
  replayFutureWindowMs: number;
  /**
   * Encapsulations remembered within the window; when full of unexpired entries, new one-shot calls
   * get `503` (never forget an entry early: that would let its replay run). Default: 250 000.
   */
  replayCacheEntries: number;
  /**
   * Largest session message body (v1.1, streamed: the server holds one chunk at a time, so this
   * bounds time, not memory). Per-endpoint `limits.maxInputBytes` and a stream field's `maxLength`
   * are enforced within it. Default: 16 GiB.
   */
  maxStreamBodyBytes: number;
  /** Longest life of a session from its opening (docs/protocol.md §11.8). Default: 3 600 000 ms. */
  sessionTtlMs: number;
  /** A session without a message for this long is dropped. Default: 600 000 ms. */
  sessionIdleMs: number;
  /** Most sessions held (about 300 bytes each); the least recently used goes first. Default: 10 000. */
  maxSessions: number;
  /**
   * Most sessions one remote address holds; beyond, its own least recently used goes first, and a
   * full table evicts from the address holding the most (so one address cannot evict everyone
   * else's sessions). Behind a proxy or NAT every client shares its address. Default: half of
   * `maxSessions`.
   */
  maxSessionsPerClient: number;
  /**
   * Smallest plaintext of a non-final chunk of a session message (the final one may be smaller);
   * a message with a smaller one gets a content-free `400` before its chunks are opened. 1-byte
   * chunks cost about 14 µs of CPU per 21 bytes on the wire. Senders fill every non-final chunk
   * (256 KiB by default). Default: 4 096.
   */
  minChunkBytes: number;
  /** Replay window of a session, in messages (a multiple of 32). Default: 1024. */
  sessionWindow: number;
  /**
   * CBOR data items a request plaintext may hold. Default: derived from the manifest (the largest
   * endpoint input plus the request map), or the protocol's default (100 000) when some endpoint's
   * input has no bound (arrays without `maxItems`, open maps, recursive types).
   */
  maxCborItems?: number;
}

const MiB = 1024 * 1024;

/** The limits with every default filled in; throws on a value that is not a positive number. */
export function resolveLimits(given: Partial<ServerLimits> = {}, maxBodyBytes?: number): ServerLimits {
  const maxBody = given.maxBodyBytes ?? maxBodyBytes ?? 32 * MiB;
  const limits: ServerLimits = {
    maxConnections: 4096,
    maxConnectionsPerClient: 2048,
    maxPipelinedRequests: 8,
    maxEvidenceInFlight: 8,
    maxEvidenceQueued: 64,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 600_000,
    bodyIdleTimeoutMs: 5_000,
    minBodyBytesPerSecond: 8 * 1024,
    bodyRateGraceMs: 3_000,
    keepAliveTimeoutMs: 65_000,
    socketIdleTimeoutMs: 120_000,
    timeoutCheckIntervalMs: 1_000,
    listenBacklog: 4096,
    maxInFlightBodyBytes: 4 * maxBody * HELD_PER_BODY_BYTE,
    maxInFlightBodyBytesPerClient: 2 * maxBody * HELD_PER_BODY_BYTE,
    smallBodyBytes: 64 * 1024,
    smallBodyReserveBytes: 16 * MiB,
    replayPastWindowMs: REPLAY_PAST_WINDOW_MS,
    replayFutureWindowMs: REPLAY_FUTURE_WINDOW_MS,
    replayCacheEntries: REPLAY_CACHE_ENTRIES,
    maxStreamBodyBytes: 16 * 1024 * MiB,
    sessionTtlMs: SESSION_TTL_SECONDS * 1000,
    sessionIdleMs: SESSION_IDLE_SECONDS * 1000,
    maxSessions: MAX_SESSIONS,
    maxSessionsPerClient: Math.max(1, Math.floor((given.maxSessions ?? MAX_SESSIONS) / 2)),
    minChunkBytes: 4096,
    sessionWindow: SESSION_WINDOW,
    ...stripUndefined(given),
    maxBodyBytes: maxBody,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (name === 'maxCborItems' && value === undefined) continue;
    // NaN compares false against everything and would lift the limit: refuse it.
    if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
      throw new RangeError(`server limit ${name} must be a positive number, got ${String(value)}`);
    }
  }
  // With headersTimeout above requestTimeout, Node never cut a body that kept arriving (security
  // review: a never-ending session stream ran past a 1.5 s requestTimeout under the 10 s default).
  if (limits.requestTimeoutMs < limits.headersTimeoutMs) {
    throw new RangeError(
      `server limit requestTimeoutMs (${limits.requestTimeoutMs}) must not be below headersTimeoutMs (${limits.headersTimeoutMs})`,
    );
  }
  return limits;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
