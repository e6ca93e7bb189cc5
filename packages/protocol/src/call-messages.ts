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
}

/** A typed failure the server answers inside a sealed response. */
export interface RemoteErrorBody {
  /** Upper-snake-case code: `BAD_INPUT`, `UNKNOWN_ENDPOINT`, `INTERNAL`, `TOO_LARGE`, or a handler's code. */
  code: string;
  /** Human-readable explanation; never a stack trace. */
  message: string;
  /** JSON pointer to the offending input field (for `BAD_INPUT` and handler errors that name one). */
  path?: string;
}

/** The plaintext of a response, sealed inside the response body as a CBOR map. */
export type CallResponse = { ok: true; output: unknown } | { ok: false; error: RemoteErrorBody };

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
  return map;
}

/** A CallRequest from a decoded CBOR map; unknown keys are ignored. */
export function callRequestFromMap(value: unknown): CallRequest {
  const problem = callRequestProblem(value);
  if (problem !== undefined) throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', problem);
  const map = value as Record<string, unknown>;
  return {
    endpoint: map['endpoint'] as string,
    input: map['input'],
    requestId: map['requestId'] as string,
    sentAt: map['sentAt'] as number,
  };
}

function errorBodyProblem(error: unknown): string | undefined {
  if (!isRecord(error)) return '"error" must be a map';
  if (typeof error['code'] !== 'string' || error['code'].length === 0)
    return '"error.code" must be a text string';
  if (typeof error['message'] !== 'string') return '"error.message" must be a text string';
  if (error['path'] !== undefined && typeof error['path'] !== 'string')
    return '"error.path" must be a text string';
  return undefined;
}

function callResponseProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'the response plaintext must be a CBOR map';
  if (value['ok'] === true) return undefined;
  if (value['ok'] === false) return errorBodyProblem(value['error']);
  return '"ok" must be true or false';
}

/** The CBOR map of a CallResponse (only the protocol keys); throws TypeError on invalid fields. */
export function callResponseToMap(response: CallResponse): Record<string, unknown> {
  const problem = callResponseProblem(response);
  if (problem !== undefined) throw new TypeError(`invalid CallResponse: ${problem}`);
  if (response.ok)
    return response.output === undefined ? { ok: true } : { ok: true, output: response.output };
  const { code, message, path } = response.error;
  return { ok: false, error: path === undefined ? { code, message } : { code, message, path } };
}

/** A CallResponse from a decoded CBOR map; unknown keys are ignored. */
export function callResponseFromMap(value: unknown, code: ProtocolErrorCode): CallResponse {
  const problem = callResponseProblem(value);
  if (problem !== undefined) throw new ProtocolError(code, problem);
  const map = value as Record<string, unknown>;
  if (map['ok'] === true) return { ok: true, output: map['output'] };
  const error = map['error'] as Record<string, unknown>;
  const body: RemoteErrorBody = { code: error['code'] as string, message: error['message'] as string };
  if (typeof error['path'] === 'string') body.path = error['path'];
  return { ok: false, error: body };
}
