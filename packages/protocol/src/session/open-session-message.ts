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
import { encodeMessagePlaintext, readMessagePlaintext } from '../stream/message-plaintext.js';
import { openChunks } from '../stream/open-chunks.js';
import { type ByteSource, sealChunks } from '../stream/seal-chunks.js';
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
  const reader = new ByteReader(body);
  const headerBytes = await reader.read(SESSION_HEADER_LENGTH);
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
    await reader.cancel();
    throw new ProtocolError('PROTOCOL_UNKNOWN_SESSION', 'this server holds no such session');
  }
  if (!state.window.check(header.seq)) {
    await reader.cancel();
    throw new ProtocolError('PROTOCOL_REPLAYED', `seq ${header.seq} was seen before or is below the window`);
  }
  const { keys, window } = state;
  const chunks = openChunks(
    { aead: keys.c2s.aead, nonceBase: keys.c2s.nonceBase, seq: header.seq, aadPrefix },
    reader,
    {
      failCode: 'PROTOCOL_DECRYPT_FAILED',
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    },
  );
  const first = await chunks.next();
  if (first.done) throw new ProtocolError('PROTOCOL_TRUNCATED', 'no chunk');
  // Authenticated: only now may this seq be consumed (a concurrent copy may have won meanwhile).
  if (!window.admit(header.seq)) {
    await chunks.return(undefined);
    throw new ProtocolError('PROTOCOL_REPLAYED', `seq ${header.seq} was admitted concurrently`);
  }
  const plain = (async function* () {
    yield first.value;
    yield* chunks;
  })();
  const parts = await readMessagePlaintext(plain, options.maxHeadBytes ?? 32 * 1024 * 1024);
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
  let sealed = false;
  return {
    header,
    request,
    tail: parts.tail,
    sealResponse(response, sealOptions = {}) {
      if (sealed) throw new TypeError('sealResponse was already called for this request');
      if ((response.stream === undefined) !== (sealOptions.tail === undefined)) {
        throw new TypeError('response.stream and options.tail go together');
      }
      const head = encodeCbor(callResponseToMap(response));
      sealed = true;
      return sealChunks(
        { aead: keys.s2c.aead, nonceBase: keys.s2c.nonceBase, seq: header.seq, aadPrefix },
        encodeMessagePlaintext(head, sealOptions.tail),
        sealOptions.chunkLength === undefined ? {} : { chunkLength: sealOptions.chunkLength },
      );
    },
  };
}
