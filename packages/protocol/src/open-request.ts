import { concatBytes, equalBytes, hexEncode } from '@blindbox/bytes';
import {
  type CallRequest,
  type CallResponse,
  callRequestFromMap,
  callResponseToMap,
} from './call-messages.js';
import { type CborLimits, decodeCbor, encodeCbor } from './cbor.js';
import {
  ENC_LENGTH,
  KDF_ID,
  KEM_ID,
  PROTOCOL_VERSION,
  REQUEST_HEADER_LENGTH,
  TAG_LENGTH,
} from './constants.js';
import { createAeadKey } from './hpke/aead-key.js';
import { type HpkeContext, setupBaseRecipient } from './hpke/hpke-base.js';
import { aeadNameOf, type Suite, suiteFor } from './hpke-suite.js';
import { ProtocolError } from './protocol-error.js';
import { decodeRequestHeader, requestInfo } from './request-header.js';
import { deriveResponseKey } from './response-key.js';
import { keyPairOf, type ServerKey } from './server-key.js';
import { deriveSessionKeys, type SessionKeys } from './session/derive-session-keys.js';

/** Smallest possible call body: header, enc and an AEAD tag (an empty plaintext). */
export const MIN_REQUEST_LENGTH = REQUEST_HEADER_LENGTH + ENC_LENGTH + TAG_LENGTH;

/** An opened call and the means to seal its response. */
export interface OpenedRequest {
  request: CallRequest;
  /** The HPKE encapsulation (32 bytes): the key of the one-shot replay cache (docs/protocol.md §11.6). */
  enc: Uint8Array;
  /**
   * Seals the response to this request: response_nonce ‖ AEAD ciphertext (RFC 9458 §4.4).
   *
   * @param testing - `responseNonce`: a fixed response nonce, for test vectors only (default: random).
   * @throws TypeError when the response fields are invalid or the output is not CBOR-encodable.
   */
  sealResponse(response: CallResponse, testing?: { responseNonce?: Uint8Array }): Promise<Uint8Array>;
  /**
   * The session keys of this call's HPKE context (docs/protocol.md §11.2). Call it when
   * `request.openSession` is true and the server keeps the session; then answer with `session` set.
   */
  deriveSession(): SessionKeys;
}

/** Options of {@link openRequest}. */
export interface OpenRequestOptions {
  /** CBOR limits for the request plaintext (derive them from the endpoint schemas); default {@link CBOR_DEFAULT_LIMITS}. */
  cbor?: Partial<CborLimits>;
}

export function checkHeader(
  body: Uint8Array,
  minimum = MIN_REQUEST_LENGTH,
): { header: Uint8Array; keyId: Uint8Array; suite: Suite } {
  if (!(body instanceof Uint8Array) || body.length < minimum) {
    throw new ProtocolError(
      'PROTOCOL_MALFORMED_REQUEST',
      `call body must be at least ${minimum} bytes (header, enc${minimum === MIN_REQUEST_LENGTH ? ', AEAD tag' : ''})`,
    );
  }
  const header = body.slice(0, REQUEST_HEADER_LENGTH);
  const { version, keyId, kemId, kdfId, aeadId } = decodeRequestHeader(header);
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'PROTOCOL_MALFORMED_REQUEST',
      `call body version ${version}, expected ${PROTOCOL_VERSION}`,
    );
  }
  const aeadName = aeadNameOf(aeadId);
  if (kemId !== KEM_ID || kdfId !== KDF_ID || aeadName === undefined) {
    throw new ProtocolError(
      'PROTOCOL_UNSUPPORTED_SUITE',
      `unsupported HPKE suite KEM 0x${kemId.toString(16)} KDF 0x${kdfId.toString(16)} AEAD 0x${aeadId.toString(16)}`,
    );
  }
  return { header, keyId, suite: suiteFor(aeadName) };
}

/** The key pair named by a header; throws `PROTOCOL_UNKNOWN_KEY` when it is not held. */
export function heldKey(keys: (keyId: Uint8Array) => ServerKey | undefined, keyId: Uint8Array) {
  const key = keys(keyId);
  const pair = key === undefined ? undefined : keyPairOf(key);
  if (key !== undefined && pair === undefined) {
    throw new TypeError('keys() must return a ServerKey made by generateServerKey or deriveServerKey');
  }
  if (key === undefined || pair === undefined || !equalBytes(key.keyId, keyId)) {
    // Distinguished before decryption, so the server can answer unknown-key and the client re-attest.
    throw new ProtocolError('PROTOCOL_UNKNOWN_KEY', `this server holds no key ${hexEncode(keyId)}`);
  }
  return pair;
}

/**
 * Opens a call body. Checks, in order and before any cryptography: length, version, suite, key id;
 * then decapsulates and opens, then validates the CBOR request.
 *
 * @param keys - returns the ServerKey (from generateServerKey/deriveServerKey) whose key id is given,
 *   or undefined when the server does not hold it.
 * @throws ProtocolError `PROTOCOL_MALFORMED_REQUEST` (short body, wrong version, bad CBOR or fields),
 *   `PROTOCOL_UNSUPPORTED_SUITE`, `PROTOCOL_UNKNOWN_KEY` (answer the unknown-key problem),
 *   `PROTOCOL_DECRYPT_FAILED`, or `PROTOCOL_LIMIT_EXCEEDED` (the plaintext exceeds the CBOR limits).
 */
export async function openRequest(
  keys: (keyId: Uint8Array) => ServerKey | undefined,
  body: Uint8Array,
  options: OpenRequestOptions = {},
): Promise<OpenedRequest> {
  const { header, keyId, suite } = checkHeader(body);
  const pair = heldKey(keys, keyId);
  const enc = body.slice(REQUEST_HEADER_LENGTH, REQUEST_HEADER_LENGTH + ENC_LENGTH);
  let context: HpkeContext;
  let plaintext: Uint8Array;
  try {
    context = await setupBaseRecipient(enc, pair, requestInfo(header), suite.name);
    plaintext = await context.aead.open(
      context.baseNonce,
      body.subarray(REQUEST_HEADER_LENGTH + ENC_LENGTH),
      new Uint8Array(0),
    );
  } catch (cause) {
    throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'the call did not open', { cause });
  }
  let decoded: unknown;
  try {
    decoded = decodeCbor(plaintext, options.cbor);
  } catch (error) {
    if (error instanceof ProtocolError && error.code === 'PROTOCOL_LIMIT_EXCEEDED') throw error;
    // No cause: the CBOR decoder's message may quote plaintext bytes, which must never reach a log.
    throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', 'the call plaintext is not valid CBOR');
  }
  const request = callRequestFromMap(decoded);
  return {
    request,
    enc,
    deriveSession: () => deriveSessionKeys(context, suite.name, keyId),
    async sealResponse(
      response: CallResponse,
      testing?: { responseNonce?: Uint8Array },
    ): Promise<Uint8Array> {
      const plaintext = encodeCbor(callResponseToMap(response));
      const responseNonce =
        testing?.responseNonce ?? crypto.getRandomValues(new Uint8Array(suite.responseNonceSize));
      if (responseNonce.length !== suite.responseNonceSize) {
        throw new RangeError(`responseNonce must be ${suite.responseNonceSize} bytes for ${suite.name}`);
      }
      // RFC 9458 §4.4: a fresh response nonce gives every sealing its own key and nonce.
      const { key: aeadKey, nonce } = deriveResponseKey(suite, context, enc, responseNonce);
      const ciphertext = await createAeadKey(suite.name, aeadKey).seal(nonce, plaintext, new Uint8Array(0));
      return concatBytes(responseNonce, ciphertext);
    },
  };
}
