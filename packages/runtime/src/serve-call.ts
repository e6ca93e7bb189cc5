import type { IncomingMessage, ServerResponse } from 'node:http';
import { hexEncode } from '@blindbox/bytes';
import {
  type AppManifest,
  CALL_CONTENT_TYPE,
  type CallRequest,
  type CallResponse,
  type EndpointManifest,
  NOT_RUN_STALE,
  type OpenedRequest,
  type OpenedSessionRequest,
  type OpenRequestOptions,
  openRequest,
  openSessionRequest,
  ProtocolError,
  REPLAYED_PROBLEM_TITLE,
  REPLAYED_PROBLEM_TYPE,
  RESPONSE_CONTENT_TYPE,
  type ReplayCache,
  SESSION_MESSAGE_VERSION,
  SESSION_OPEN_ENDPOINT,
  type ServerKey,
  type ServerSessionState,
  type SessionHeader,
  UNKNOWN_KEY_PROBLEM_TITLE,
  UNKNOWN_KEY_PROBLEM_TYPE,
  UNKNOWN_SESSION_PROBLEM_TITLE,
  UNKNOWN_SESSION_PROBLEM_TYPE,
} from '@blindbox/protocol';
import { busy, plain, problem, refuse } from './answer.js';
import type { BodyBudget, BodyCharge } from './body-budget.js';
import { bodyChunks, prepend } from './body-chunks.js';
import { type CallLogger, type DispatchOptions, dispatchCall } from './dispatch-call.js';
import type { ConnectionGuard } from './guard-connections.js';
import {
  BodyAbortedError,
  BodyBudgetExceededError,
  BodyStalledError,
  BodyTooLargeError,
  declaredLength,
} from './read-body.js';
import { refuseTinyChunks, tinyChunkScanner } from './refuse-tiny-chunks.js';
import type { ServerLimits } from './server-limits.js';
import type { SessionTable } from './session-table.js';
import {
  collectCharged,
  isStreamSchema,
  limitBytes,
  schemaAt,
  setAt,
  takeOutputTail,
  toReadableStream,
} from './stream-fields.js';

/**
 * Bytes a streamed body (a session message) holds at once: a sealed chunk being opened and the one
 * before it (docs/protocol.md §11.4: chunks of at most 1 MiB), plus socket buffers.
 */
const STREAM_HOLD_BYTES = 2 * 1024 * 1024 + 128 * 1024;

/**
 * Session messages with a content-length up to this are read whole and opened in one pass (no
 * generator per layer): most calls. Longer ones, and bodies without a length, stream.
 */
const WHOLE_SESSION_BYTES = 64 * 1024;

/** What the call endpoint needs from the server. */
export interface CallContext {
  manifest: AppManifest;
  instance: object;
  log: CallLogger | undefined;
  /** How calls are checked and logged (the same logger as `log`). */
  dispatch: DispatchOptions;
  limits: ServerLimits;
  key: ServerKey;
  lookupKey: (keyId: Uint8Array) => ServerKey | undefined;
  guard: ConnectionGuard;
  budget: BodyBudget;
  replay: ReplayCache;
  sessions: SessionTable;
  openOptions: OpenRequestOptions;
}

/**
 * `POST /call` (docs/protocol.md §2.2, §11.5): the content type, then the first body byte decides
 * between a v1 one-shot call (read whole, opened with HPKE, replay cache) and a v1.1 session message
 * (streamed: each sealed chunk is opened as it arrives).
 */
export async function serveCall(ctx: CallContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Only our media type: text/plain and form bodies can be sent cross-origin without a CORS
  // preflight (Fetch standard, CORS-safelisted request headers), so a web page could make a
  // visitor's browser post to the enclave.
  if (mediaType(req.headers['content-type']) !== CALL_CONTENT_TYPE) return refuse(req, res, 415);
  let charge: BodyCharge;
  let chunks: AsyncGenerator<Uint8Array>;
  let first: Uint8Array | undefined;
  let declared: number | undefined;
  try {
    declared = declaredLength(req, ctx.limits.maxStreamBodyBytes);
    // A one-shot body is held whole (charged in full once it is known to be one); a session message
    // one chunk at a time. Never more up front than a one-shot body may have: a body over that
    // limit must get its 413, not a 503 from a budget sized for the limit.
    const hold = Math.min(STREAM_HOLD_BYTES, ctx.limits.maxBodyBytes);
    const held = declared === undefined ? hold : Math.min(declared, hold);
    charge = ctx.budget.charge(ctx.guard.clientOf(req), held);
    chunks = bodyChunks(req, {
      limit: ctx.limits.maxStreamBodyBytes,
      idleTimeoutMs: ctx.limits.bodyIdleTimeoutMs,
      minBytesPerSecond: ctx.limits.minBodyBytesPerSecond,
      rateGraceMs: ctx.limits.bodyRateGraceMs,
    });
  } catch (err) {
    if (answerBodyError(req, res, err)) return;
    throw err;
  }
  try {
    try {
      first = (await chunks.next()).value ?? undefined;
    } catch (err) {
      if (answerBodyError(req, res, err)) return;
      throw err;
    }
    if (first === undefined || first.length === 0) return plain(res, 400);
    if (first[0] === SESSION_MESSAGE_VERSION) {
      let body: Uint8Array | AsyncGenerator<Uint8Array>;
      try {
        body =
          declared !== undefined && declared <= WHOLE_SESSION_BYTES
            ? await collectDeclared(first, chunks, declared)
            : prepend(first, chunks);
      } catch (err) {
        if (answerBodyError(req, res, err)) return;
        throw err;
      }
      await serveSessionMessage(ctx, req, res, body, charge);
    } else {
      await serveOneShot(ctx, req, res, first, chunks, declared, charge);
    }
  } finally {
    charge.release();
    // Stop reading through this generator (it paused the body between chunks).
    void chunks.return(undefined).catch(() => {});
  }
}

async function serveOneShot(
  ctx: CallContext,
  req: IncomingMessage,
  res: ServerResponse,
  first: Uint8Array,
  rest: AsyncGenerator<Uint8Array>,
  declared: number | undefined,
  charge: BodyCharge,
): Promise<void> {
  let opened: OpenedRequest;
  try {
    if (declared !== undefined && declared > ctx.limits.maxBodyBytes) {
      throw new BodyTooLargeError(`one-shot body of ${declared} bytes over ${ctx.limits.maxBodyBytes}`);
    }
    const body = await collectOneShot(first, rest, declared, ctx.limits.maxBodyBytes, charge);
    opened = await openRequest(ctx.lookupKey, body, ctx.openOptions);
  } catch (err) {
    if (answerBodyError(req, res, err)) return;
    if (err instanceof ProtocolError && err.code === 'PROTOCOL_UNKNOWN_KEY') {
      return unknownKey(ctx, res);
    }
    // A request that cannot be opened gets a content-free 400 (docs/protocol.md §5.4): no oracle.
    return plain(res, 400);
  }
  const verdict = ctx.replay.admit(opened.enc, opened.request.sentAt);
  if (verdict === 'replayed') return problem(res, 409, REPLAYED_PROBLEM_TYPE, REPLAYED_PROBLEM_TITLE);
  // Plain, not a sealed NOT_RUN_BUSY: this `enc` is not remembered, so a replay of it could still
  // run later, and a NOT_RUN_ answer would let the client resend it (a second execution).
  if (verdict === 'full') return busy(req, res);
  if (verdict === 'stale') return sendSealedOnce(res, opened, staleRefusal(ctx.limits));
  let session: CallResponse['session'];
  if (opened.request.openSession === true) {
    // Derived from this call's HPKE context: bound to the key it was sealed to (§11.2).
    ctx.sessions.add(opened.deriveSession(), ctx.guard.clientOf(req));
    session = { ttl: Math.floor(ctx.limits.sessionTtlMs / 1000), window: ctx.limits.sessionWindow };
  }
  const response =
    opened.request.endpoint === SESSION_OPEN_ENDPOINT && session !== undefined
      ? ({ ok: true, output: undefined } as CallResponse)
      : await runInline(ctx, opened.request);
  // The clock goes with a new session, so the client can date its later messages (§11.2).
  await sendSealedOnce(res, opened, session ? { ...response, session, serverTime: Date.now() } : response);
}

/** Runs a one-shot call; a streamed output is collected into bytes (one-shot answers are one message). */
async function runInline(ctx: CallContext, request: CallRequest): Promise<CallResponse> {
  const response = await dispatchCall(ctx.manifest, ctx.instance, request, ctx.dispatch);
  const endpoint = endpointOf(ctx.manifest, request.endpoint);
  if (!response.ok || endpoint === undefined) return response;
  const tail = takeOutputTail(response.output, endpoint, ctx.manifest.definitions ?? {});
  if (tail === undefined) return response;
  // A one-shot answer is one message held whole: never more than a one-shot body may be, whatever
  // the endpoint's streamed limit (clients call streaming outputs in a session).
  const limit = Math.min(endpoint.limits?.maxOutputBytes ?? ctx.limits.maxBodyBytes, ctx.limits.maxBodyBytes);
  try {
    const bytes =
      tail.tail instanceof Uint8Array ? tail.tail : await collectCharged(tail.tail, limit, () => {});
    return { ok: true, output: setAt(tail.output, tail.stream, bytes) };
  } catch {
    return {
      ok: false,
      error: { code: 'INTERNAL', message: 'the handler’s output stream failed or was too large' },
    };
  }
}

/** A body of `declared` bytes (already charged in full) in one buffer. */
async function collectDeclared(
  first: Uint8Array,
  rest: AsyncGenerator<Uint8Array>,
  declared: number,
): Promise<Uint8Array> {
  if (first.length === declared) {
    // The usual case: one socket read held the whole body. Node ends the body at its
    // content-length, so nothing follows (the generator is returned by the caller).
    return first;
  }
  const body = new Uint8Array(declared);
  let size = 0;
  for await (const piece of prepend(first, rest)) {
    if (size + piece.length > declared) throw new BodyTooLargeError('body longer than its content-length');
    body.set(piece, size);
    size += piece.length;
  }
  return size === declared ? body : body.subarray(0, size);
}

async function collectOneShot(
  first: Uint8Array,
  rest: AsyncGenerator<Uint8Array>,
  declared: number | undefined,
  limit: number,
  charge: BodyCharge,
): Promise<Uint8Array> {
  // The body is held whole: charge it (the stream hold was charged up front).
  if (declared !== undefined) {
    charge.grow(Math.max(0, declared - Math.min(STREAM_HOLD_BYTES, limit)));
    // One buffer of the declared size, each chunk copied in as it arrives: held once, not twice.
    const body = new Uint8Array(declared);
    let size = 0;
    for await (const piece of prepend(first, rest)) {
      if (size + piece.length > declared) throw new BodyTooLargeError('body longer than its content-length');
      body.set(piece, size);
      size += piece.length;
    }
    return size === declared ? body : body.subarray(0, size);
  }
  return collectCharged(prepend(first, rest), limit, charge.grow);
}

async function sendSealedOnce(
  res: ServerResponse,
  opened: OpenedRequest,
  response: CallResponse,
): Promise<void> {
  let sealed: Uint8Array;
  try {
    sealed = await opened.sealResponse(response);
  } catch {
    // An output CBOR cannot carry (validated outputs never get here): answer INTERNAL, sealed.
    sealed = await opened.sealResponse({
      ok: false,
      error: { code: 'INTERNAL', message: 'unencodable result' },
    });
  }
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, {
    'content-type': RESPONSE_CONTENT_TYPE,
    'cache-control': 'no-store',
    'content-length': String(sealed.length),
  });
  res.end(sealed);
}

function staleRefusal(limits: ServerLimits): CallResponse {
  return {
    ok: false,
    error: {
      code: NOT_RUN_STALE,
      message: `sentAt is outside the server's window (${limits.replayPastWindowMs} ms before to ${limits.replayFutureWindowMs} ms after its clock)`,
    },
    serverTime: Date.now(),
  };
}

async function serveSessionMessage(
  ctx: CallContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: Uint8Array | AsyncGenerator<Uint8Array>,
  charge: BodyCharge,
): Promise<void> {
  let opened: OpenedSessionRequest;
  try {
    let framed: Uint8Array | AsyncGenerator<Uint8Array>;
    if (body instanceof Uint8Array) {
      tinyChunkScanner(ctx.limits.minChunkBytes)(body);
      framed = body;
    } else {
      framed = refuseTinyChunks(body, ctx.limits.minChunkBytes);
    }
    opened = await openSessionRequest((header) => lookupSession(ctx, header), framed, {
      maxHeadBytes: ctx.limits.maxBodyBytes,
      maxBytes: ctx.limits.maxStreamBodyBytes,
      ...(ctx.openOptions.cbor ? { cbor: ctx.openOptions.cbor } : {}),
    });
  } catch (err) {
    return answerSessionError(ctx, req, res, err);
  }
  let request: CallRequest;
  try {
    request = await placeTail(ctx, opened, charge);
  } catch (err) {
    return answerSessionError(ctx, req, res, err);
  }
  const response = await dispatchCall(ctx.manifest, ctx.instance, request, ctx.dispatch);
  const endpoint = endpointOf(ctx.manifest, request.endpoint);
  const tail =
    response.ok && endpoint
      ? takeOutputTail(response.output, endpoint, ctx.manifest.definitions ?? {})
      : undefined;
  if (tail) {
    const frames = opened.sealResponse(
      { ok: true, output: tail.output, stream: tail.stream, serverTime: Date.now() },
      { tail: tail.tail },
    );
    await writeFrames(res, frames);
    return;
  }
  // Nothing streams: the frames are as small as the response; one write with a content-length
  // (no chunked encoding) costs less than a write per frame (the second cost in a server profile).
  const sealed = await opened.sealWholeResponse({ ...response, serverTime: Date.now() });
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, {
    'content-type': RESPONSE_CONTENT_TYPE,
    'cache-control': 'no-store',
    'content-length': String(sealed.length),
  });
  res.end(sealed);
}

function lookupSession(ctx: CallContext, header: SessionHeader): ServerSessionState | undefined {
  if (ctx.lookupKey(header.keyId) === undefined) {
    // Decided before any cryptography, as for one-shot calls: the client attests again.
    throw new ProtocolError('PROTOCOL_UNKNOWN_KEY', 'this server holds no such key');
  }
  return ctx.sessions.lookup(header);
}

/**
 * Puts a request's streamed tail back where its pointer says: a `Uint8Array` field is collected
 * (within the endpoint's limit, charged to the body budget as it grows), so the handler does not
 * notice how it travelled; a stream field becomes a ReadableStream the handler reads as it arrives.
 */
async function placeTail(
  ctx: CallContext,
  opened: OpenedSessionRequest,
  charge: BodyCharge,
): Promise<CallRequest> {
  const { request } = opened;
  const pointer = request.stream;
  const endpoint = endpointOf(ctx.manifest, request.endpoint);
  if (pointer === undefined || endpoint === undefined) return request;
  const schema = schemaAt(endpoint.input, pointer, ctx.manifest.definitions ?? {});
  if (isStreamSchema(schema)) {
    const limit = schema.maxLength ?? endpoint.limits?.maxInputBytes ?? ctx.limits.maxStreamBodyBytes;
    return {
      ...request,
      input: setAt(request.input, pointer, toReadableStream(limitBytes(opened.tail, limit))),
    };
  }
  const maxLength = schema && 'x-blindbox-type' in schema ? schema.maxLength : undefined;
  const limit = Math.min(
    endpoint.limits?.maxInputBytes ?? ctx.limits.maxBodyBytes,
    maxLength ?? Number.POSITIVE_INFINITY,
  );
  const bytes = await collectCharged(opened.tail, limit, charge.grow);
  return { ...request, input: setAt(request.input, pointer, bytes) };
}

/** Writes sealed frames as they are produced, waiting for the client to read (bounded memory). */
async function writeFrames(res: ServerResponse, frames: AsyncGenerator<Uint8Array>): Promise<void> {
  try {
    for await (const frame of frames) {
      if (res.destroyed) return void (await frames.return(undefined));
      if (!res.headersSent) {
        res.writeHead(200, { 'content-type': RESPONSE_CONTENT_TYPE, 'cache-control': 'no-store' });
      }
      if (!res.write(frame)) await drained(res);
    }
    if (!res.headersSent)
      res.writeHead(200, { 'content-type': RESPONSE_CONTENT_TYPE, 'cache-control': 'no-store' });
    res.end();
  } catch {
    // The handler's stream failed mid-response: cut the body, which the client reports as
    // truncated (docs/protocol.md §11.4), never as a shorter valid answer.
    if (!res.headersSent) plain(res, 500);
    else res.destroy();
  }
}

/** Resolves on `drain` or `close`, whichever comes first, leaving no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * The unknown-key answer names this server's own key id (public: it is in the attest envelope), an
 * unauthenticated hint that lets a client behind a load balancer know which key to verify and that
 * resending the same bytes may reach the key's holder (docs/protocol.md §2.2, §11.7).
 */
function unknownKey(ctx: CallContext, res: ServerResponse): void {
  problem(res, 400, UNKNOWN_KEY_PROBLEM_TYPE, UNKNOWN_KEY_PROBLEM_TITLE, { keyId: hexEncode(ctx.key.keyId) });
}

function answerSessionError(ctx: CallContext, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  if (answerBodyError(req, res, err)) return;
  const code = err instanceof ProtocolError ? err.code : undefined;
  if (code === 'PROTOCOL_UNKNOWN_KEY') unknownKey(ctx, res);
  else if (code === 'PROTOCOL_UNKNOWN_SESSION') {
    problem(res, 400, UNKNOWN_SESSION_PROBLEM_TYPE, UNKNOWN_SESSION_PROBLEM_TITLE);
  } else if (code === 'PROTOCOL_REPLAYED') problem(res, 409, REPLAYED_PROBLEM_TYPE, REPLAYED_PROBLEM_TITLE);
  else if (code === 'PROTOCOL_LIMIT_EXCEEDED') refuse(req, res, 413);
  // Anything else that prevents opening: content-free (no oracle).
  else plain(res, 400);
}

function endpointOf(manifest: AppManifest, name: string): EndpointManifest | undefined {
  return manifest.endpoints.find((e) => e.name === name);
}

/** Answers the body-reading failures; false when `err` is not one of them. */
export function answerBodyError(req: IncomingMessage, res: ServerResponse, err: unknown): boolean {
  if (err instanceof BodyAbortedError) {
    res.destroy();
    return true;
  }
  if (err instanceof BodyTooLargeError) {
    refuse(req, res, 413);
    return true;
  }
  if (err instanceof BodyStalledError) {
    // The client sends nothing more: close rather than wait for the rest.
    plain(res, 408, { connection: 'close' });
    return true;
  }
  if (err instanceof BodyBudgetExceededError) {
    busy(req, res);
    return true;
  }
  return false;
}

/** The media type of a content-type header, lowercased, without parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
