import { type CallRequest, type CallResponse, callRequestToMap } from '../call-messages.js';
import { type CborLimits, encodeCbor } from '../cbor.js';
import { ProtocolError } from '../protocol-error.js';
import { decodeResponse } from '../seal-request.js';
import {
  encodeMessagePlaintext,
  joinMessagePlaintext,
  readMessagePlaintext,
  splitMessagePlaintext,
  wholeTail,
} from '../stream/message-plaintext.js';
import { openChunks } from '../stream/open-chunks.js';
import { type ByteSource, sealChunks } from '../stream/seal-chunks.js';
import { openWholeMessage, sealWholeMessage } from '../stream/whole-message.js';
import type { SessionKeys } from './derive-session-keys.js';
import { encodeSessionHeader } from './session-header.js';

/** The highest seq sealed per session (client side), so that no seq is ever sealed twice. */
const lastSealed = new WeakMap<SessionKeys, number>();

/** Options of {@link sealSessionRequest}. */
export interface SealSessionRequestOptions {
  /** The bytes of the field `request.stream` points at (required exactly when `stream` is set). */
  tail?: ByteSource;
  /** Plaintext bytes per chunk. Default: 256 KiB. */
  chunkLength?: number;
}

/** Limits a client applies to a session response. */
export interface SessionResponseLimits {
  /** Largest response head (CBOR) in bytes. Default: 64 MiB. */
  maxHeadBytes?: number;
  /** Largest whole response plaintext (head and tail). Default: unbounded (count what you keep). */
  maxBytes?: number;
  /** CBOR limits of the head. */
  cbor?: Partial<CborLimits>;
}

/** A response opened from a session: the CallResponse and, when it streams a field, its bytes. */
export interface OpenedSessionResponse {
  response: CallResponse;
  /** The bytes of `response.stream`'s field as they arrive (empty when no field streams). */
  tail: AsyncGenerator<Uint8Array>;
}

/** A sealed session request (docs/protocol.md §11.3). */
export interface SealedSessionRequest {
  readonly seq: number;
  /** The 34-byte session header (the body's first bytes). */
  readonly header: Uint8Array;
  /** The whole body: header, then the frames, produced as they are sealed (bounded memory). */
  readonly body: AsyncGenerator<Uint8Array>;
  /**
   * The same body in one buffer, sealed without generators (the fast path of small calls). Use it
   * or `body`, not both. A streamed (non-`Uint8Array`) tail is read whole.
   */
  collect(): Promise<Uint8Array>;
  /**
   * Opens the response to this request (and to no other). A `Uint8Array` body (a response read
   * whole) is opened in one pass; pieces are opened chunk by chunk as they arrive.
   *
   * @throws ProtocolError `PROTOCOL_RESPONSE_TAMPERED`, `PROTOCOL_TRUNCATED`, `PROTOCOL_LIMIT_EXCEEDED`,
   *   `PROTOCOL_MALFORMED_RESPONSE`.
   */
  openResponse(body: ByteSource, limits?: SessionResponseLimits): Promise<OpenedSessionResponse>;
}

/**
 * Seals one call in a session: header ‖ frames of u32(head_length) ‖ CBOR(request) ‖ tail, under
 * the client-to-server key and nonce base with `seq` (docs/protocol.md §11.3–11.4). The caller
 * allocates `seq` (a counter from 0); each call must use a higher one than the last for these keys.
 *
 * @throws TypeError on invalid request fields or a tail without `stream` (or the reverse);
 *   RangeError when `seq` is not above the last one sealed with `keys`.
 */
export function sealSessionRequest(
  keys: SessionKeys,
  seq: number,
  request: CallRequest,
  options: SealSessionRequestOptions = {},
): SealedSessionRequest {
  if ((request.stream === undefined) !== (options.tail === undefined)) {
    throw new TypeError('request.stream and options.tail go together');
  }
  // The sequence number is the nonce: sealing one twice under the same keys would reuse an AEAD
  // nonce (for AES-GCM that leaks the authentication key). Refuse anything not above the last.
  const last = lastSealed.get(keys) ?? -1;
  if (!Number.isSafeInteger(seq) || seq <= last) {
    throw new RangeError(`seq ${seq} is not above the last one sealed with these keys (${last})`);
  }
  lastSealed.set(keys, seq);
  const header = encodeSessionHeader({ keyId: keys.keyId, sessionId: keys.sessionId, seq });
  const head = encodeCbor(callRequestToMap(request));
  const sealKey = { aead: keys.c2s.aead, nonceBase: keys.c2s.nonceBase, seq, aadPrefix: header };
  const openKey = { aead: keys.s2c.aead, nonceBase: keys.s2c.nonceBase, seq, aadPrefix: header };
  const { tail, chunkLength } = options;
  return {
    seq,
    header,
    body: (async function* () {
      yield header;
      yield* sealChunks(
        sealKey,
        encodeMessagePlaintext(head, tail),
        chunkLength === undefined ? {} : { chunkLength },
      );
    })(),
    async collect() {
      const whole =
        tail === undefined || tail instanceof Uint8Array
          ? tail
          : await collectTail(tail as Iterable<Uint8Array> | AsyncIterable<Uint8Array>);
      return sealWholeMessage(sealKey, joinMessagePlaintext(head, whole), header, chunkLength);
    },
    async openResponse(body, limits = {}) {
      if (body instanceof Uint8Array) return openWholeResponse(openKey, body, limits);
      const plain = openChunks(openKey, body, {
        failCode: 'PROTOCOL_RESPONSE_TAMPERED',
        ...(limits.maxBytes === undefined ? {} : { maxBytes: limits.maxBytes }),
      });
      const parts = await readMessagePlaintext(plain, limits.maxHeadBytes ?? 64 * 1024 * 1024);
      const response = decodeResponse(parts.head, limits.cbor);
      if (response.stream === undefined) {
        // Drain what remains (authenticates the final chunk); a non-streamed response has no tail.
        for await (const piece of parts.tail) {
          if (piece.length > 0)
            throw new ProtocolError('PROTOCOL_MALFORMED_RESPONSE', 'bytes after the response head');
        }
      }
      return { response, tail: parts.tail };
    },
  };
}

async function collectTail(tail: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of tail) {
    if (!(piece instanceof Uint8Array)) throw new TypeError('a byte stream must yield Uint8Array pieces');
    pieces.push(piece);
  }
  return joinPieces(pieces);
}

function joinPieces(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** {@link SealedSessionRequest.openResponse} of a response body held whole. */
async function openWholeResponse(
  key: Parameters<typeof openWholeMessage>[0],
  body: Uint8Array,
  limits: SessionResponseLimits,
): Promise<OpenedSessionResponse> {
  const plain = await openWholeMessage(key, body, 0, {
    failCode: 'PROTOCOL_RESPONSE_TAMPERED',
    ...(limits.maxBytes === undefined ? {} : { maxBytes: limits.maxBytes }),
  });
  const parts = splitMessagePlaintext(plain, limits.maxHeadBytes ?? 64 * 1024 * 1024);
  const response = decodeResponse(parts.head, limits.cbor);
  if (response.stream === undefined && parts.tail.length > 0) {
    throw new ProtocolError('PROTOCOL_MALFORMED_RESPONSE', 'bytes after the response head');
  }
  return { response, tail: wholeTail(parts.tail) };
}
