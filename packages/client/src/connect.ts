import type { VerificationReport } from '@blindbox/attestation';
import { base64urlEncode, hexEncode } from '@blindbox/bytes';
import {
  type AeadName,
  type AppManifest,
  type CallResponse,
  NOT_RUN_BUSY,
  NOT_RUN_STALE,
  newNonce,
  SESSION_OPEN_ENDPOINT,
  type SessionKeys,
  selectAead,
} from '@blindbox/protocol';
import { collectBytes } from '@blindbox/protocol/internal';
import { type AcceptedRelease, acceptMeasurement } from './accept-measurement.js';
import { type AttestOptions, attestServer } from './attest-server.js';
import {
  type AttemptContext,
  type AttemptOutcome,
  attemptInSession,
  attemptOneShot,
  type CallPlan,
} from './call-attempt.js';
import { ClientError, RemoteError } from './client-error.js';
import { type ClientRetry, DEFAULT_LIMITS, DEFAULT_RETRY, DEFAULT_TIMEOUTS } from './client-limits.js';
import type { ClientPolicy } from './client-policy.js';
import type { DeviceReport } from './gpu-policy.js';
import {
  type EndpointInfo,
  endpointsFromManifest,
  joinInput,
  type PreparedInput,
  prepareInput,
} from './prepare-input.js';
import { resendToKeyHolder } from './resend-to-key-holder.js';
import { VerifiedKeys } from './verified-keys.js';

/** Options of {@link connect}. Every default is the safe one. */
export interface ConnectOptions extends AttestOptions {
  /** Which releases the client accepts. Generated clients pass their pinned release. */
  policy: ClientPolicy;
  /** Preferred AEAD for calls, used when the server offers it. Default: the server's first choice (AES-128-GCM for v1 servers). */
  aead?: AeadName;
  /** Re-attest after this many seconds even if the key still works. Default: 3600. */
  sessionTtlSeconds?: number;
  /** Use protocol v1.1 sessions when the server offers them (it confirms inside a sealed answer). Default: true. */
  sessions?: boolean;
  /**
   * Send chunked inputs as streamed uploads (bounded memory). Default: true in Node, false in
   * browsers, which stream request bodies only over HTTP/2 or later (set true for such an origin);
   * when false the frames are sealed into one body first.
   */
  streamUploads?: boolean;
  /** Bounded retries of calls proven not to have run (sealed `NOT_RUN_*`), or of idempotent endpoints. */
  retry?: ClientRetry;
  /** The app manifest (generated clients pass theirs): endpoint limits and `idempotent` come from it. */
  manifest?: AppManifest;
  /** Per-endpoint facts, overriding the manifest's. */
  endpoints?: Record<string, EndpointInfo>;
}

/** Per-call options of {@link Session.call}. */
export interface CallOptions {
  /** The handler may safely run twice: allow automatic resends after unproven failures. Default: the endpoint's declaration. */
  idempotent?: boolean;
  /** Return a streamed output field as an `AsyncIterable<Uint8Array>` instead of a `Uint8Array`. Default: false. */
  streamOutput?: boolean;
}

/**
 * A verified connection to one origin: calls are sealed to an attested key. Behind a load balancer
 * each replica has its own key; the session keeps every key it verified (and a v1.1 session per key)
 * and seals new calls to the key that answered last (docs/protocol.md §11.7, §11.8).
 */
export interface Session {
  /** The server's origin. */
  readonly url: string;
  /** The verification report of the evidence the current key (the one new calls are sealed to) was accepted with. */
  readonly report: VerificationReport;
  /** Every device the current key was accepted with and its checks: the CPU TEE, then each GPU. */
  readonly devices: readonly DeviceReport[];
  /** Which release the server was accepted as. */
  readonly release: AcceptedRelease;
  /** Whether calls currently travel in a protocol v1.1 session (false: v1 one-shot calls). */
  readonly inSession: boolean;
  /** Seals `input` to the attested key, calls `endpoint`, opens and returns its output. */
  call<O = unknown>(endpoint: string, input: unknown, options?: CallOptions): Promise<O>;
  /** Attests again now (the next call uses the new key). */
  refresh(): Promise<void>;
}

interface Attested {
  /** The key id in hex. */
  id: string;
  report: VerificationReport;
  devices: DeviceReport[];
  release: AcceptedRelease;
  keyId: Uint8Array;
  publicKey: Uint8Array;
  aead: AeadName;
  expiresAt: number;
}

/** A v1.1 session with one attested key (docs/protocol.md §11). */
interface Channel {
  keys: SessionKeys;
  attested: Attested;
  nextSeq: number;
  /** Re-open after this time (90 % of the server's ttl). */
  renewAt: number;
  /** Messages in flight: at most window / 2 (§11.6). */
  inFlight: number;
  window: number;
}

const MAX_SEQ = 2 ** 32;
/** Verified keys kept at once (one per replica behind a load balancer). */
const MAX_VERIFIED_KEYS = 64;
/** Attestations one call may make to verify the keys its unknown-key answers name. */
const MAX_ATTESTS_PER_CALL = 4;

/**
 * Streamed request bodies work in Node's fetch over HTTP/1.1; browsers stream request bodies only
 * over HTTP/2 or later, so there the default seals the body whole first (same bytes on the wire).
 */
const STREAM_UPLOADS_BY_DEFAULT =
  typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function backoff(retry: Required<ClientRetry>, attempt: number, serverMs: number | undefined): number {
  const exp = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
  const jittered = exp / 2 + Math.random() * (exp / 2);
  return Math.min(retry.maxDelayMs, Math.max(jittered, serverMs ?? 0));
}

function outcomeUnknown(why: string): ClientError {
  return new ClientError(
    'CLIENT_OUTCOME_UNKNOWN',
    `${why}: the call may have run, and the endpoint is not declared idempotent, so it was not resent (docs/protocol.md §11.7)`,
    { retryable: true, mayHaveRun: true },
  );
}

/** Puts a streamed output field back: bytes (default) or the stream itself. */
async function outputOf(
  outcome: AttemptOutcome & { kind: 'response' },
  streamOutput: boolean,
  max: number,
): Promise<unknown> {
  const { response, tail } = outcome;
  if (!response.ok) {
    const { code, message, path, expected, found } = response.error;
    throw new RemoteError(code, message, path, {
      ...(expected !== undefined ? { expected } : {}),
      ...(found !== undefined ? { found } : {}),
    });
  }
  if (response.stream === undefined || tail === undefined) return response.output;
  const value = streamOutput ? tail : await collectBytes(tail, max);
  if (response.stream === '') return value;
  return { ...(response.output as object), [response.stream.slice(1)]: value };
}

/**
 * Attests the server at `url` and returns a session whose calls are sealed to the attested key.
 * Order of checks (docs/protocol.md): fresh nonce → envelope shape → nonce echo → hardware evidence
 * (signatures, chain, policy, debug) with the binding of (nonce, key) → measurement accepted by the
 * policy. Any failure throws a typed error and nothing is sent.
 */
export async function connect(url: string, options: ConnectOptions): Promise<Session> {
  const origin = new URL(url);
  const doFetch = options.fetch;
  const now = options.now ?? (() => new Date());
  const ttl = (options.sessionTtlSeconds ?? 3600) * 1000;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const endpoints = {
    ...(options.manifest ? endpointsFromManifest(options.manifest) : {}),
    ...options.endpoints,
  };
  /** The v1.1 session with each verified key, by key id (hex). */
  const channels = new Map<string, Channel>();
  const keys = new VerifiedKeys<Attested>(
    MAX_VERIFIED_KEYS,
    () => now().getTime(),
    (id) => channels.delete(id),
  );
  /** The key new calls are sealed to: the last one attested by `reattest`, or that answered a call. */
  let current = await attest();
  keys.put(current, current.id);
  let refreshing: Promise<Attested> | undefined;
  /** 'v1' once a server answered a session request without a session. */
  let mode: 'unknown' | 'v1' = options.sessions === false ? 'v1' : 'unknown';
  /** Session openings in flight, by key id. */
  const opening = new Map<string, Promise<unknown>>();
  /** Server clock minus ours, learned from `serverTime` (docs/protocol.md §11.2). */
  let clockOffset = 0;

  async function attest(): Promise<Attested> {
    const attested = await attestServer(origin.origin, { ...options, now });
    const release = await acceptMeasurement(
      attested.report,
      options.policy,
      attested.envelope.release,
      attested.at,
    );
    return {
      id: hexEncode(attested.keyId),
      report: attested.report,
      devices: attested.devices,
      release,
      keyId: attested.keyId,
      publicKey: attested.publicKey,
      // docs/protocol.md §4 step 7: an AEAD both sides accept, the caller's choice when possible.
      aead: selectAead(attested.envelope.suites, options.aead),
      expiresAt: attested.at.getTime() + ttl,
    };
  }

  async function fresh(): Promise<Attested> {
    if (now().getTime() < current.expiresAt) return current;
    return reattest();
  }

  /** Attests for the next calls (a record of the same key replaces the old one, and its session). */
  function reattest(): Promise<Attested> {
    refreshing ??= attest().then(
      (a) => {
        keys.put(a, a.id);
        current = a;
        refreshing = undefined;
        return a;
      },
      (err) => {
        refreshing = undefined;
        throw err;
      },
    );
    return refreshing;
  }

  /**
   * One attestation to verify another replica's key (through the origin, so through the load
   * balancer, with the full policy). A key already verified keeps its record and its session.
   */
  async function attestAnother(): Promise<void> {
    const a = await attest();
    if (keys.get(a.id) === undefined) keys.put(a, current.id);
  }

  /** Sealed answers counted in order, and the count at each key's latest: has a holder answered since? */
  let answers = 0;
  const answeredAt = new Map<string, number>();

  /** After unknown-key: the same bytes again, until they reach the replica holding their key. */
  function toKeyHolder(
    outcome: AttemptOutcome,
    attested: Attested,
  ): Promise<AttemptOutcome> | AttemptOutcome {
    if (outcome.kind !== 'unknown-key') return outcome;
    const since = answers;
    return resendToKeyHolder(outcome, {
      holderAnswered: () => (answeredAt.get(attested.id) ?? -1) > since,
      sealedTo: attested.id,
      isVerified: (id) => keys.get(id) !== undefined,
      attestOne: attestAnother,
      maxResends: retry.keyHolderResends,
      maxAttests: MAX_ATTESTS_PER_CALL,
    });
  }

  function context(info: EndpointInfo): AttemptContext {
    return {
      fetch: doFetch,
      origin,
      headers: options.headers,
      timeouts,
      limits,
      maxResponseBytes: info.maxOutputBytes ?? limits.responseBytes,
      streamUploads: options.streamUploads ?? STREAM_UPLOADS_BY_DEFAULT,
    };
  }

  function usableChannel(attested: Attested): Channel | undefined {
    const c = channels.get(attested.id);
    if (c === undefined || c.attested !== attested) return undefined;
    if (c.nextSeq >= MAX_SEQ || now().getTime() >= c.renewAt) {
      channels.delete(attested.id); // rotate: the next one-shot call opens a new session (§11.8)
      return undefined;
    }
    return c.inFlight < c.window / 2 ? c : undefined;
  }

  function adopt(outcome: AttemptOutcome, attested: Attested, askedForSession: boolean): void {
    if (outcome.kind !== 'response') return;
    const { response, sessionKeys } = outcome;
    if (response.serverTime !== undefined) clockOffset = response.serverTime - now().getTime();
    // Once per opening call: adopting the same keys twice would restart seq at 0 and reuse nonces.
    if (!askedForSession) return;
    if (sessionKeys !== undefined && response.session !== undefined && keys.get(attested.id) === attested) {
      if (channels.get(attested.id)?.keys === sessionKeys) return;
      channels.set(attested.id, {
        keys: sessionKeys,
        attested,
        nextSeq: 0,
        renewAt: now().getTime() + response.session.ttl * 900,
        inFlight: 0,
        window: response.session.window,
      });
    } else if (
      response.session === undefined &&
      !(!response.ok && response.error.code.startsWith('NOT_RUN_'))
    ) {
      mode = 'v1'; // a v1 server ignores openSession (docs/protocol.md §11.1)
    }
  }

  /** Opens a session without running anything (`$session`), so that a stream can follow. */
  async function openChannel(attested: Attested, info: EndpointInfo): Promise<void> {
    let pending = opening.get(attested.id);
    if (pending === undefined) {
      pending = attemptOneShot(
        context(info),
        attested,
        {
          endpoint: SESSION_OPEN_ENDPOINT,
          prepared: { input: undefined },
          requestId: '',
          sentAt: now().getTime() + clockOffset,
        },
        undefined,
        true,
      )
        .then((outcome) => toKeyHolder(outcome, attested))
        .then((outcome) => adopt(outcome, attested, true))
        .finally(() => opening.delete(attested.id));
      opening.set(attested.id, pending);
    }
    await pending;
  }

  async function attempt(attested: Attested, plan: CallPlan, info: EndpointInfo): Promise<AttemptOutcome> {
    const ctx = context(info);
    // A streamed input or output needs a session: a one-shot call is one message, held whole on
    // both sides (a first call to a 1 GiB download would otherwise be collected by the server).
    const needsStream = plan.prepared.stream !== undefined || info.streamsOutput === true;
    if (needsStream && mode !== 'v1' && usableChannel(attested) === undefined)
      await openChannel(attested, info);
    const c = usableChannel(attested);
    if (c !== undefined) {
      const seq = c.nextSeq++;
      c.inFlight++;
      try {
        // Resends stay within this message's seq (counted in flight until they are answered).
        return await toKeyHolder(await attemptInSession(ctx, c.keys, seq, plan), attested);
      } finally {
        c.inFlight--;
      }
    }
    // A saturated session (window / 2 in flight) sends one-shot meanwhile without replacing itself.
    const askForSession =
      mode !== 'v1' && !opening.has(attested.id) && channels.get(attested.id)?.attested !== attested;
    const input = await joinInput(plan.prepared, info.maxInputBytes ?? limits.inputBytes);
    if (!askForSession) return toKeyHolder(await attemptOneShot(ctx, attested, plan, input, false), attested);
    const pending = attemptOneShot(ctx, attested, plan, input, true).then((o) => toKeyHolder(o, attested));
    // Only a marker for concurrent calls (they go one-shot meanwhile); its failure is this call's.
    const done = () => {
      opening.delete(attested.id);
    };
    opening.set(attested.id, pending.then(done, done));
    const outcome = await pending;
    adopt(outcome, attested, true);
    return outcome;
  }

  async function call<O>(endpoint: string, input: unknown, callOptions: CallOptions = {}): Promise<O> {
    const info = endpoints[endpoint] ?? {};
    const idempotent = callOptions.idempotent ?? info.idempotent === true;
    const prepared: PreparedInput = prepareInput(
      input,
      limits.streamThreshold,
      info.maxInputBytes ?? limits.inputBytes,
    );
    // A one-time stream cannot be sent twice: no resend of any kind.
    const resendable = !(prepared.tail !== undefined && !(prepared.tail instanceof Uint8Array));
    for (let n = 0; ; n++) {
      const attested = await fresh();
      const plan: CallPlan = {
        endpoint,
        prepared,
        requestId: base64urlEncode(newNonce().slice(0, 12)),
        sentAt: now().getTime() + clockOffset,
      };
      const outcome = await attempt(attested, plan, info);
      if (outcome.kind === 'response') {
        answeredAt.delete(attested.id);
        answeredAt.set(attested.id, ++answers);
        // As many as the verified-key map holds: older keys are gone from it anyway.
        if (answeredAt.size > 64) answeredAt.delete(answeredAt.keys().next().value as string);
        adopt(outcome, attested, false);
        // Its holder answered: with a sticky load balancer, calls keep going to that replica.
        if (keys.get(attested.id) === attested) current = attested;
      }
      const next = await decide(outcome, attested, plan, { n, idempotent, resendable });
      if (next === 'again') continue;
      return (await outputOf(
        next,
        callOptions.streamOutput === true,
        info.maxOutputBytes ?? limits.responseBytes,
      )) as O;
    }
  }

  /** What to do after an attempt: return it, try again, or throw (docs/protocol.md §11.7). */
  async function decide(
    outcome: AttemptOutcome,
    attested: Attested,
    plan: CallPlan,
    state: { n: number; idempotent: boolean; resendable: boolean },
  ): Promise<(AttemptOutcome & { kind: 'response' }) | 'again'> {
    const canRetry = state.resendable && state.n < retry.attempts;
    switch (outcome.kind) {
      case 'response':
        return (await notRunRetry(outcome.response, plan, canRetry, state.n)) ? 'again' : outcome;
      case 'unknown-key':
      case 'unknown-session':
        // The next call re-attests / re-opens; this one is resent only when that is harmless. No
        // holder of the key was found (or no hint): the key is forgotten. Unknown-session comes
        // only from the key's holder (any other replica answers unknown-key first): only the session goes.
        if (outcome.kind === 'unknown-key') {
          keys.delete(attested.id);
          await reattest();
        } else channels.delete(attested.id);
        if (state.idempotent && canRetry) return 'again';
        if (outcome.kind === 'unknown-key' && state.idempotent) {
          throw new ClientError('CLIENT_KEY_ROTATED', 'the server refused a key it had just attested', {
            retryable: true,
          });
        }
        throw outcomeUnknown(
          `the server answered ${outcome.kind} (a plaintext answer anyone on the path can forge)`,
        );
      case 'replayed':
        throw outcomeUnknown('the server saw this message before (another copy of it arrived first)');
      case 'busy':
        if ((outcome.proven || state.idempotent) && canRetry) {
          await sleep(backoff(retry, state.n, outcome.retryAfterMs));
          return 'again';
        }
        throw new ClientError(
          'CLIENT_SERVER_BUSY',
          `the server is busy (HTTP 503)${outcome.proven ? '' : '; the answer was not authenticated, so the call may have run'}`,
          {
            status: 503,
            retryable: true,
            mayHaveRun: !outcome.proven,
          },
        );
    }
  }

  /** Sealed refusals prove the call did not run: resend within the bounds (STALE only if it can never run later). */
  async function notRunRetry(
    response: CallResponse,
    plan: CallPlan,
    canRetry: boolean,
    n: number,
  ): Promise<boolean> {
    if (response.ok || !canRetry) return false;
    if (response.error.code === NOT_RUN_BUSY) {
      await sleep(backoff(retry, n, undefined));
      return true;
    }
    if (response.error.code === NOT_RUN_STALE && response.serverTime !== undefined) {
      // Stale in the past can never become fresh; stale in the future could run later: no resend.
      return plan.sentAt < response.serverTime;
    }
    return false;
  }

  return {
    url: origin.origin,
    get report() {
      return current.report;
    },
    get devices() {
      return current.devices;
    },
    get release() {
      return current.release;
    },
    get inSession() {
      return channels.get(current.id)?.attested === current;
    },
    call,
    async refresh() {
      await reattest();
    },
  };
}
