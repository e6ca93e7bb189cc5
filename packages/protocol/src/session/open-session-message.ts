import { equalBytes } from '@blindbox/bytes';
import {
  type CallRequest,
  type CallResponse,
  callRequestFromMap,
  callResponseToMap,
} from '../call-messages.js';
import { type CborLimits, decodeCbor, encodeCbor } from '../cbor.js';
import { SESSION_HEADER_LENGTH } from '../constants.js';
import { ProtocolError } from '../protocol-error.js';
import type { ReplayWindow } from '../replay/replay-window.js';
import { ByteReader } from '../stream/byte-reader.js';
import {
  encodeMessagePlaintext,
  joinMessagePlaintext,
  type MessageParts,
  readMessagePlaintext,
  splitMessagePlaintext,
  wholeTail,
} from '../stream/message-plaintext.js';
import { openChunks } from '../stream/open-chunks.js';
import { type ByteSource, sealChunks } from '../stream/seal-chunks.js';
import { openWholeMessage, sealWholeMessage } from '../stream/whole-message.js';
import type { SessionKeys } from './derive-session-keys.js';
import { parseSessionHeader, type SessionHeader } from './session-header.js';

/** What the server holds for one session. */
export interface ServerSessionState {
  keys: SessionKeys;
  window: ReplayWindow;
}

/** Options of {@link openSessionRequest}. */
export interface OpenSessionRequestOptions {
  /** Largest request head (CBOR) in bytes. Default: 32 MiB. Derive it from the endpoint limits. */
  maxHeadBytes?: number;
  /** Largest whole request plaintext (head and tail). Default: unbounded. */
  maxBytes?: number;
  /** CBOR limits of the head (derive them from the endpoint schemas). */
  cbor?: Partial<CborLimits>;
}

/** An opened session request. */
export interface OpenedSessionRequest {
  header: SessionHeader;
  request: CallRequest;
  /**
   * The bytes of `request.stream`'s field as they arrive and authenticate (empty without `stream`).
   * It throws `PROTOCOL_TRUNCATED` / `PROTOCOL_DECRYPT_FAILED` if the rest is cut or tampered with.
   */
  tail: AsyncGenerator<Uint8Array>;
  /**
   * Seals the one response to this request: frames (no header) under the server-to-client key
   * with the request's seq and header. Send them as the `200` body (`application/blindbox-response`).
   */
  sealResponse(
    response: CallResponse,
    options?: { tail?: ByteSource; chunkLength?: number },
  ): AsyncGenerator<Uint8Array>;
  /**
   * The same frames in one buffer (a response without a streamed tail, or with a small one held
   * whole): one write with a content-length. Call it or `sealResponse`, once.
   */
  sealWholeResponse(
    response: CallResponse,
    options?: { tail?: Uint8Array; chunkLength?: number },
  ): Promise<Uint8Array>;
}

/**
 * Opens a session message (docs/protocol.md §11.5), in this order: header (34 bytes), `lookup` of
 * (key id, session id), the window pre-check, the first frame (authenticated), the window admission
 * (atomic), the head. Nothing is admitted for a message that does not authenticate.
 *
 * @param lookup - the session named by the header, or undefined (→ `PROTOCOL_UNKNOWN_SESSION`). It
 *   may throw `ProtocolError('PROTOCOL_UNKNOWN_KEY')` when the key id is not held.
 * @throws ProtocolError `PROTOCOL_MALFORMED_REQUEST`, `PROTOCOL_UNKNOWN_KEY`,
 *   `PROTOCOL_UNKNOWN_SESSION`, `PROTOCOL_REPLAYED`, `PROTOCOL_DECRYPT_FAILED`, `PROTOCOL_TRUNCATED`,
 *   `PROTOCOL_LIMIT_EXCEEDED`.
 */
export async function openSessionRequest(
  lookup: (header: SessionHeader) => ServerSessionState | undefined,
  body: ByteSource,
  options: OpenSessionRequestOptions = {},
): Promise<OpenedSessionRequest> {
  // A body held whole (a small call read with its content-length) is opened in one pass, with the
  // same checks in the same order; pieces are opened chunk by chunk as they arrive.
  const whole = body instanceof Uint8Array ? body : undefined;
  const reader = whole === undefined ? new ByteReader(body) : undefined;
  const headerBytes =
    whole !== undefined
      ? whole.length >= SESSION_HEADER_LENGTH
        ? whole.subarray(0, SESSION_HEADER_LENGTH)
        : undefined
      : await reader?.read(SESSION_HEADER_LENGTH);
  if (headerBytes === undefined) {
    throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', 'a session message is at least 34 bytes');
  }
  const aadPrefix = new Uint8Array(headerBytes);
  const header = parseSessionHeader(aadPrefix);
  const state = lookup(header);
  if (
    state === undefined ||
    !equalBytes(state.keys.sessionId, header.sessionId) ||
    !equalBytes(state.keys.keyId, header.keyId)
  ) {
    await reader?.cancel();
    throw new ProtocolError('PROTOCOL_UNKNOWN_SESSION', 'this server holds no such session');
  }
  if (!state.window.check(header.seq)) {
    await reader?.cancel();
    throw new ProtocolError('PROTOCOL_REPLAYED', `seq ${header.seq} was seen before or is below the window`);
  }
  const { keys, window } = state;
  const openKey = { aead: keys.c2s.aead, nonceBase: keys.c2s.nonceBase, seq: header.seq, aadPrefix };
  // Authenticated: only now may this seq be consumed (a concurrent copy may have won meanwhile).
  const admit = (): void => {
    if (!window.admit(header.seq)) {
      throw new ProtocolError('PROTOCOL_REPLAYED', `seq ${header.seq} was admitted concurrently`);
    }
  };
  const maxHeadBytes = options.maxHeadBytes ?? 32 * 1024 * 1024;
  const parts =
    whole !== undefined
      ? await openWhole(openKey, whole, options, admit, maxHeadBytes)
      : await openStreamed(openKey, reader as ByteReader, options, admit, maxHeadBytes);
  let decoded: unknown;
  try {
    decoded = decodeCbor(parts.head, options.cbor);
  } catch (error) {
    await parts.tail.return(undefined);
    if (error instanceof ProtocolError && error.code === 'PROTOCOL_LIMIT_EXCEEDED') throw error;
    // No cause: the decoder's message may quote plaintext bytes, which must never reach a log.
    throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', 'the call plaintext is not valid CBOR');
  }
  const request = callRequestFromMap(decoded);
  if (request.stream === undefined) {
    // Nothing streams: read to the final chunk before anything runs, so a cut body is refused.
    for await (const piece of parts.tail) {
      if (piece.length > 0)
        throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', 'bytes after the request head');
    }
  }
  const sealKey = { aead: keys.s2c.aead, nonceBase: keys.s2c.nonceBase, seq: header.seq, aadPrefix };
  let sealed = false;
  const once = (response: CallResponse, tail: unknown): Uint8Array => {
    if (sealed) throw new TypeError('the response to this request was already sealed');
    if ((response.stream === undefined) !== (tail === undefined)) {
      throw new TypeError('response.stream and options.tail go together');
    }
    sealed = true;
    return encodeCbor(callResponseToMap(response));
  };
  return {
    header,
    request,
    tail: parts.tail,
    sealResponse(response, sealOptions = {}) {
      const head = once(response, sealOptions.tail);
      return sealChunks(
        sealKey,
        encodeMessagePlaintext(head, sealOptions.tail),
        sealOptions.chunkLength === undefined ? {} : { chunkLength: sealOptions.chunkLength },
      );
    },
    async sealWholeResponse(response, sealOptions = {}) {
      const head = once(response, sealOptions.tail);
      return sealWholeMessage(
        sealKey,
        joinMessagePlaintext(head, sealOptions.tail),
        undefined,
        sealOptions.chunkLength,
      );
    },
  };
}

type OpenKey = Parameters<typeof openWholeMessage>[0];

async function openWhole(
  key: OpenKey,
  body: Uint8Array,
  options: OpenSessionRequestOptions,
  admit: () => void,
  maxHeadBytes: number,
): Promise<MessageParts> {
  const plain = await openWholeMessage(key, body, SESSION_HEADER_LENGTH, {
    failCode: 'PROTOCOL_DECRYPT_FAILED',
    afterFirst: admit,
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
  });
  const parts = splitMessagePlaintext(plain, maxHeadBytes);
  return { head: parts.head, tail: wholeTail(parts.tail) };
}

async function openStreamed(
  key: OpenKey,
  reader: ByteReader,
  options: OpenSessionRequestOptions,
  admit: () => void,
  maxHeadBytes: number,
): Promise<MessageParts> {
  const chunks = openChunks(key, reader, {
    failCode: 'PROTOCOL_DECRYPT_FAILED',
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
  });
  const first = await chunks.next();
  if (first.done) throw new ProtocolError('PROTOCOL_TRUNCATED', 'no chunk');
  try {
    admit();
  } catch (error) {
    await chunks.return(undefined);
    throw error;
  }
  const plain = (async function* () {
    yield first.value;
    yield* chunks;
  })();
  return readMessagePlaintext(plain, maxHeadBytes);
}
