import {
  type AeadName,
  CALL_CONTENT_TYPE,
  CALL_PATH,
  type CallResponse,
  PROBLEM_CONTENT_TYPE,
  REPLAYED_PROBLEM_TYPE,
  RESPONSE_CONTENT_TYPE,
  type SessionKeys,
  sealRequest,
  sealSessionRequest,
  UNKNOWN_KEY_PROBLEM_TYPE,
  UNKNOWN_SESSION_PROBLEM_TYPE,
} from '@blindbox/protocol';
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
  | { kind: 'unknown-key' }
  | { kind: 'unknown-session' }
  | { kind: 'replayed' }
  /** 503: `proven` when its body was a sealed NOT_RUN_BUSY. */
  | { kind: 'busy'; proven: boolean; retryAfterMs: number | undefined };

/** Everything an attempt needs. */
export interface AttemptContext {
  fetch: typeof fetch;
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

/** The plaintext problem answers (unknown-key, unknown-session, replayed), bounded. */
async function readProblem(exchange: Exchange, ctx: AttemptContext): Promise<AttemptOutcome | undefined> {
  if (!exchange.headers.get('content-type')?.startsWith(PROBLEM_CONTENT_TYPE)) return undefined;
  const text = new TextDecoder().decode(await readBody(exchange, ctx.limits.problemBytes, 'call'));
  const type = (parseJsonBounded(text, ctx.limits.jsonDepth, 'call') as { type?: unknown } | undefined)?.type;
  if (exchange.status === 400 && type === UNKNOWN_KEY_PROBLEM_TYPE) return { kind: 'unknown-key' };
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
): Promise<AttemptOutcome> {
  const problem = await readProblem(exchange, ctx);
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
  const exchange = await startExchange(
    ctx.fetch,
    new URL(CALL_PATH, ctx.origin),
    { method: 'POST', headers: { ...ctx.headers, 'content-type': CALL_CONTENT_TYPE }, body: sealed.body },
    ctx.timeouts,
    'call',
  );
  if (exchange.status !== 200) return nonSuccess(exchange, ctx, (body) => sealed.openResponse(body));
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
  const exchange = await startExchange(
    ctx.fetch,
    new URL(CALL_PATH, ctx.origin),
    { method: 'POST', headers: { ...ctx.headers, 'content-type': CALL_CONTENT_TYPE }, body },
    ctx.timeouts,
    'call',
  );
  if (exchange.status !== 200) {
    return nonSuccess(exchange, ctx, async (b) => (await sealed.openResponse(b)).response);
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
