import { ProtocolError, type ProtocolErrorCode } from './protocol-error.js';

/** The plaintext of a call, sealed inside the request body as a CBOR map. */
export interface CallRequest {
  /** The endpoint (method) name: 1 to 128 characters. Travels only inside the ciphertext. */
  endpoint: string;
  /** The single argument; any CBOR-encodable value (`undefined`: no argument, the key is absent). */
  input: unknown;
  /** Caller-chosen id, at most 64 characters, for correlating logs; not a replay defence. */
  requestId: string;
  /** Client clock when sealed, milliseconds since the Unix epoch. */
  sentAt: number;
  /** v1.1 (docs/protocol.md §11.2): ask the server to open a session from this call. v1 servers ignore it. */
  openSession?: boolean;
  /** v1.1 (§11.3): JSON pointer (`""` or `"/member"`) of the input field whose bytes follow as the tail. */
  stream?: string;
}

/** A typed failure the server answers inside a sealed response. */
export interface RemoteErrorBody {
  /** Upper-snake-case code: `INVALID_INPUT`, `UNKNOWN_ENDPOINT`, `INTERNAL`, `TOO_LARGE`, or a handler's code. */
  code: string;
  /** Human-readable explanation; never a stack trace. */
  message: string;
  /** JSON pointer to the offending input field (for `INVALID_INPUT` and handler errors that name one). */
  path?: string;
  /** `INVALID_INPUT`: what the schema allows at `path`, e.g. `a string`, `at most 16 characters`. */
  expected?: string;
  /** `INVALID_INPUT`: what the input holds there, e.g. `a number`, `42`, `nothing`. */
  found?: string;
}

/** v1.1 members any response may carry (docs/protocol.md §11.2–11.3). */
export interface ResponseExtensions {
  /** Present when the server opened a session from this call: its lifetime and replay window. */
  session?: { ttl: number; window: number };
  /** The server clock, ms since the epoch (required on `NOT_RUN_STALE`). */
  serverTime?: number;
  /** JSON pointer (`""` or `"/member"`) of the output field whose bytes follow as the tail. */
  stream?: string;
}

/** The plaintext of a response, sealed inside the response body as a CBOR map. */
export type CallResponse = ({ ok: true; output: unknown } | { ok: false; error: RemoteErrorBody }) &
  ResponseExtensions;

/** Limits of the CallRequest fields (docs/protocol.md "Request plaintext"). */
export const MAX_ENDPOINT_LENGTH = 128;
export const MAX_REQUEST_ID_LENGTH = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** Why `value` is not a valid CallRequest, or undefined when it is. */
function callRequestProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'the request plaintext must be a CBOR map';
  const { endpoint, requestId, sentAt } = value;
  if (typeof endpoint !== 'string' || endpoint.length === 0 || endpoint.length > MAX_ENDPOINT_LENGTH) {
    return `"endpoint" must be a text string of 1 to ${MAX_ENDPOINT_LENGTH} characters`;
  }
  if (typeof requestId !== 'string' || requestId.length > MAX_REQUEST_ID_LENGTH) {
    return `"requestId" must be a text string of at most ${MAX_REQUEST_ID_LENGTH} characters`;
  }
  if (typeof sentAt !== 'number' || !Number.isFinite(sentAt)) return '"sentAt" must be a finite number';
  if (value['openSession'] !== undefined && value['openSession'] !== true)
    return '"openSession" must be true';
  return streamProblem(value['stream']);
}

/** A stream pointer names the whole value or one top-level member (docs/protocol.md §11.3). */
function streamProblem(stream: unknown): string | undefined {
  if (stream === undefined) return undefined;
  if (typeof stream !== 'string' || !/^(\/[^/]{1,128})?$/.test(stream)) {
    return '"stream" must be "" or "/<member>"';
  }
  return undefined;
}

/** The CBOR map of a CallRequest (only the four protocol keys); throws TypeError on invalid fields. */
export function callRequestToMap(request: CallRequest): Record<string, unknown> {
  const problem = callRequestProblem(request);
  if (problem !== undefined) throw new TypeError(`invalid CallRequest: ${problem}`);
  const map: Record<string, unknown> = {
    endpoint: request.endpoint,
    requestId: request.requestId,
    sentAt: request.sentAt,
  };
  if (request.input !== undefined) map['input'] = request.input;
  if (request.openSession === true) map['openSession'] = true;
  if (request.stream !== undefined) map['stream'] = request.stream;
  return map;
}

/** A CallRequest from a decoded CBOR map; unknown keys are ignored. */
export function callRequestFromMap(value: unknown): CallRequest {
  const problem = callRequestProblem(value);
  if (problem !== undefined) throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', problem);
  const map = value as Record<string, unknown>;
  const out: CallRequest = {
    endpoint: map['endpoint'] as string,
    input: map['input'],
    requestId: map['requestId'] as string,
    sentAt: map['sentAt'] as number,
  };
  if (map['openSession'] === true) out.openSession = true;
  if (typeof map['stream'] === 'string') out.stream = map['stream'];
  return out;
}

function errorBodyProblem(error: unknown): string | undefined {
  if (!isRecord(error)) return '"error" must be a map';
  if (typeof error['code'] !== 'string' || error['code'].length === 0)
    return '"error.code" must be a text string';
  if (typeof error['message'] !== 'string') return '"error.message" must be a text string';
  for (const key of ['path', 'expected', 'found'] as const) {
    if (error[key] !== undefined && typeof error[key] !== 'string')
      return `"error.${key}" must be a text string`;
  }
  return undefined;
}

function extensionsProblem(value: Record<string, unknown>): string | undefined {
  const { session, serverTime } = value;
  if (session !== undefined) {
    if (!isRecord(session) || !isCount(session['ttl']) || !isCount(session['window'])) {
      return '"session" must be { ttl, window } with positive integers';
    }
  }
  if (serverTime !== undefined && (typeof serverTime !== 'number' || !Number.isFinite(serverTime))) {
    return '"serverTime" must be a finite number';
  }
  return streamProblem(value['stream']);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function callResponseProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'the response plaintext must be a CBOR map';
  const extensions = extensionsProblem(value);
  if (extensions !== undefined) return extensions;
  if (value['ok'] === true) return undefined;
  if (value['ok'] === false) return errorBodyProblem(value['error']);
  return '"ok" must be true or false';
}

/** The CBOR map of a CallResponse (only the protocol keys); throws TypeError on invalid fields. */
export function callResponseToMap(response: CallResponse): Record<string, unknown> {
  const problem = callResponseProblem(response);
  if (problem !== undefined) throw new TypeError(`invalid CallResponse: ${problem}`);
  const map: Record<string, unknown> = { ok: response.ok };
  if (response.ok) {
    if (response.output !== undefined) map['output'] = response.output;
  } else {
    const { code, message, path, expected, found } = response.error;
    map['error'] = {
      code,
      message,
      ...(path !== undefined ? { path } : {}),
      ...(expected !== undefined ? { expected } : {}),
      ...(found !== undefined ? { found } : {}),
    };
  }
  if (response.session !== undefined)
    map['session'] = { ttl: response.session.ttl, window: response.session.window };
  if (response.serverTime !== undefined) map['serverTime'] = response.serverTime;
  if (response.stream !== undefined) map['stream'] = response.stream;
  return map;
}

/** A CallResponse from a decoded CBOR map; unknown keys are ignored. */
export function callResponseFromMap(value: unknown, code: ProtocolErrorCode): CallResponse {
  const problem = callResponseProblem(value);
  if (problem !== undefined) throw new ProtocolError(code, problem);
  const map = value as Record<string, unknown>;
  let out: CallResponse;
  if (map['ok'] === true) {
    out = { ok: true, output: map['output'] };
  } else {
    const error = map['error'] as Record<string, unknown>;
    const body: RemoteErrorBody = { code: error['code'] as string, message: error['message'] as string };
    if (typeof error['path'] === 'string') body.path = error['path'];
    if (typeof error['expected'] === 'string') body.expected = error['expected'];
    if (typeof error['found'] === 'string') body.found = error['found'];
    out = { ok: false, error: body };
  }
  const session = map['session'] as { ttl: number; window: number } | undefined;
  if (session !== undefined) out.session = { ttl: session.ttl, window: session.window };
  if (typeof map['serverTime'] === 'number') out.serverTime = map['serverTime'];
  if (typeof map['stream'] === 'string') out.stream = map['stream'];
  return out;
}
