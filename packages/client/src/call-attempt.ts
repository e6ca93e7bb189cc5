import {
  type AeadName,
  CALL_CONTENT_TYPE,
  CALL_PATH,
  type CallResponse,
  PROBLEM_CONTENT_TYPE,
  REPLAYED_PROBLEM_TYPE,
  RESPONSE_CONTENT_TYPE,
  type SealedRequest,
  type SealedSessionRequest,
  type SessionKeys,
  sealRequest,
  sealSessionRequest,
  UNKNOWN_KEY_PROBLEM_TYPE,
  UNKNOWN_SESSION_PROBLEM_TYPE,
} from '@blindbox/protocol';
import { KEY_ID_LENGTH } from '@blindbox/protocol/internal';
import { ClientError } from './client-error.js';
import type { ClientLimits, ClientTimeouts } from './client-limits.js';
import { type Exchange, limitBody, readBody, startExchange } from './exchange.js';
import { parseJsonBounded } from './parse-json.js';
import type { PreparedInput } from './prepare-input.js';

/** Responses up to this content-length are read whole (one buffer, one pass to open). */
const WHOLE_RESPONSE_BYTES = 1024 * 1024;

/** What one attempt of a call came to. */
export type AttemptOutcome =
  | { kind: 'response'; response: CallResponse; tail?: AsyncGenerator<Uint8Array>; sessionKeys?: SessionKeys }
  /** Plaintext answers: they prove nothing about whether the call ran (docs/protocol.md §11.7). */
  | UnknownKeyOutcome
  | { kind: 'unknown-session' }
  | { kind: 'replayed' }
  /** 503: `proven` when its body was a sealed NOT_RUN_BUSY. */
  | { kind: 'busy'; proven: boolean; retryAfterMs: number | undefined };

/**
 * The server did not hold the key the call was sealed to. `keyIdHint` is the key id the answering
 * server says it holds (lowercase hex; unauthenticated: it only steers which key the client
 * verifies next). `resend` posts exactly the same sealed bytes again and opens the answer with the
 * same sealed context: at-most-once safe, since only the key's holder can open them and it remembers
 * them (a one-shot `enc` in its replay cache, a session `seq` in its window). It is absent when the
 * client no longer holds the whole body (a streamed upload): such a call is never resealed instead.
 */
export interface UnknownKeyOutcome {
  kind: 'unknown-key';
  keyIdHint: string | undefined;
  resend: (() => Promise<AttemptOutcome>) | undefined;
}

/** Everything an attempt needs. */
export interface AttemptContext {
  /** The caller's fetch, or undefined for the default transport (node:http in Node, else fetch). */
  fetch: typeof fetch | undefined;
  origin: URL;
  headers: Record<string, string> | undefined;
  timeouts: Required<ClientTimeouts>;
  limits: Required<ClientLimits>;
  /** Largest response this endpoint may answer. */
  maxResponseBytes: number;
  /** Send streamed bodies as streamed uploads (else they are sealed into one buffer first). */
  streamUploads: boolean;
}

/** The call as it is sealed. */
export interface CallPlan {
  endpoint: string;
  prepared: PreparedInput;
  requestId: string;
  sentAt: number;
}

function retryAfter(exchange: Exchange): number | undefined {
  const seconds = Number(exchange.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** A key id hint: exactly the hex of a key id, anything else counts as absent. */
function keyIdHintOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length !== 2 * KEY_ID_LENGTH) return undefined;
  const hex = value.toLowerCase();
  return /^[0-9a-f]+$/.test(hex) ? hex : undefined;
}

/** How an attempt can be resent with the same bytes (undefined: it cannot). */
type Resend = (() => Promise<AttemptOutcome>) | undefined;

/** The plaintext problem answers (unknown-key, unknown-session, replayed), bounded. */
async function readProblem(
  exchange: Exchange,
  ctx: AttemptContext,
  resend: Resend,
): Promise<AttemptOutcome | undefined> {
  if (!exchange.headers.get('content-type')?.startsWith(PROBLEM_CONTENT_TYPE)) return undefined;
  const text = new TextDecoder().decode(await readBody(exchange, ctx.limits.problemBytes, 'call'));
  const problem = parseJsonBounded(text, ctx.limits.jsonDepth, 'call') as
    | { type?: unknown; keyId?: unknown }
    | undefined;
  const type = problem?.type;
  if (exchange.status === 400 && type === UNKNOWN_KEY_PROBLEM_TYPE) {
    return { kind: 'unknown-key', keyIdHint: keyIdHintOf(problem?.keyId), resend };
  }
  if (exchange.status === 400 && type === UNKNOWN_SESSION_PROBLEM_TYPE) return { kind: 'unknown-session' };
  if (exchange.status === 409 && type === REPLAYED_PROBLEM_TYPE) return { kind: 'replayed' };
  return undefined;
}

function httpError(exchange: Exchange): ClientError {
  exchange.cancel();
  if (exchange.status === 413) {
    return new ClientError('CLIENT_BODY_TOO_LARGE', 'the server refused the body as too large (HTTP 413)', {
      status: 413,
      mayHaveRun: false,
    });
  }
  return new ClientError('CLIENT_HTTP_ERROR', `call answered HTTP ${exchange.status}`, {
    status: exchange.status,
    // 408: the server stopped waiting for the body (the call did not start, but a plaintext status proves nothing).
    retryable: exchange.status >= 500 || exchange.status === 408,
    mayHaveRun: true,
  });
}

/** Non-200 answers, shared by both modes. `open` opens a sealed 503 body when there is one. */
async function nonSuccess(
  exchange: Exchange,
  ctx: AttemptContext,
  open: (body: Uint8Array) => Promise<CallResponse>,
  resend: Resend,
): Promise<AttemptOutcome> {
  const problem = await readProblem(exchange, ctx, resend);
  if (problem !== undefined) return problem;
  if (exchange.status === 503) {
    const wait = retryAfter(exchange);
    if (exchange.headers.get('content-type')?.startsWith(RESPONSE_CONTENT_TYPE)) {
      const body = await readBody(exchange, ctx.limits.problemBytes, 'call');
      const response = await open(body).catch(() => undefined);
      const proven = response !== undefined && !response.ok && response.error.code === 'NOT_RUN_BUSY';
      return { kind: 'busy', proven, retryAfterMs: wait };
    }
    exchange.cancel();
    return { kind: 'busy', proven: false, retryAfterMs: wait };
  }
  throw httpError(exchange);
}

/** One v1 one-shot attempt (optionally asking for a session). */
export async function attemptOneShot(
  ctx: AttemptContext,
  target: { keyId: Uint8Array; publicKey: Uint8Array; aead: AeadName },
  plan: CallPlan,
  input: unknown,
  openSession: boolean,
): Promise<AttemptOutcome> {
  const sealed = await sealRequest(target, {
    endpoint: plan.endpoint,
    input,
    requestId: plan.requestId,
    sentAt: plan.sentAt,
    ...(openSession ? { openSession: true } : {}),
  });
  return postOneShot(ctx, sealed);
}

/** Posts a sealed one-shot body; the same `sealed` again on a resend (never a new seal). */
async function postOneShot(ctx: AttemptContext, sealed: SealedRequest): Promise<AttemptOutcome> {
  const exchange = await startExchange(
    ctx.fetch,
    new URL(CALL_PATH, ctx.origin),
    { method: 'POST', headers: { ...ctx.headers, 'content-type': CALL_CONTENT_TYPE }, body: sealed.body },
    ctx.timeouts,
    'call',
  );
  if (exchange.status !== 200) {
    return nonSuccess(
      exchange,
      ctx,
      (body) => sealed.openResponse(body),
      () => postOneShot(ctx, sealed),
    );
  }
  const response = await sealed.openResponse(await readBody(exchange, ctx.maxResponseBytes, 'call'));
  return response.session === undefined
    ? { kind: 'response', response }
    : { kind: 'response', response, sessionKeys: sealed.deriveSession() };
}

/** One session attempt with sequence number `seq`. */
export async function attemptInSession(
  ctx: AttemptContext,
  keys: SessionKeys,
  seq: number,
  plan: CallPlan,
): Promise<AttemptOutcome> {
  const { prepared } = plan;
  const sealed = sealSessionRequest(
    keys,
    seq,
    {
      endpoint: plan.endpoint,
      input: prepared.input,
      requestId: plan.requestId,
      sentAt: plan.sentAt,
      ...(prepared.stream === undefined ? {} : { stream: prepared.stream }),
    },
    prepared.tail === undefined ? {} : { tail: prepared.tail },
  );
  // A tail (a large buffer or a stream) is sealed chunk by chunk as the upload pulls it, so the
  // client holds one chunk, not a sealed copy of the whole body.
  const body = prepared.tail !== undefined && ctx.streamUploads ? sealed.body : await sealed.collect();
  return postSessionMessage(ctx, sealed, body);
}

/**
 * Posts a session message. A collected body (bytes) can be posted again as it is; a streamed upload
 * was consumed by the first post and is never resealed to stand in for it.
 */
async function postSessionMessage(
  ctx: AttemptContext,
  sealed: SealedSessionRequest,
  body: SealedSessionRequest['body'] | Uint8Array,
): Promise<AttemptOutcome> {
  const exchange = await startExchange(
    ctx.fetch,
    new URL(CALL_PATH, ctx.origin),
    { method: 'POST', headers: { ...ctx.headers, 'content-type': CALL_CONTENT_TYPE }, body },
    ctx.timeouts,
    'call',
  );
  if (exchange.status !== 200) {
    return nonSuccess(
      exchange,
      ctx,
      async (b) => (await sealed.openResponse(b)).response,
      body instanceof Uint8Array ? () => postSessionMessage(ctx, sealed, body) : undefined,
    );
  }
  // A response with a small content-length is read whole and opened in one pass; anything else
  // (a streamed output) chunk by chunk as it arrives.
  const declared = Number(exchange.headers.get('content-length') ?? Number.NaN);
  const source =
    declared <= WHOLE_RESPONSE_BYTES
      ? await readBody(exchange, ctx.maxResponseBytes, 'call')
      : limitBody(exchange, ctx.maxResponseBytes, 'call');
  const opened = await sealed.openResponse(source, { maxHeadBytes: ctx.maxResponseBytes });
  return { kind: 'response', response: opened.response, tail: opened.tail };
}
