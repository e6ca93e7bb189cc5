import { concatBytes } from '@blindbox/bytes';
import {
  type CallRequest,
  type CallResponse,
  callRequestToMap,
  callResponseFromMap,
} from './call-messages.js';
import { type CborLimits, decodeCbor, encodeCbor } from './cbor.js';
import { PUBLIC_KEY_LENGTH, TAG_LENGTH } from './constants.js';
import { createAeadKey } from './hpke/aead-key.js';
import { setupBaseSender } from './hpke/hpke-base.js';
import { type AeadName, suiteFor } from './hpke-suite.js';
import { ProtocolError } from './protocol-error.js';
import { encodeRequestHeader, requestInfo } from './request-header.js';
import { deriveResponseKey } from './response-key.js';
import { deriveSessionKeys, type SessionKeys } from './session/derive-session-keys.js';

/** The attested key a client seals to. */
export interface SealTarget {
  /** 8-byte key id (from the envelope's `keyId`). */
  keyId: Uint8Array;
  /** 32-byte X25519 public key (from the envelope's `hpkePublicKey`), after the binding was checked. */
  publicKey: Uint8Array;
  /** The AEAD; default `'aes-128-gcm'`. Must be one the envelope's `suites.aead` lists. */
  aead?: AeadName;
}

/** A sealed request and the means to open its one response. */
export interface SealedRequest {
  /** The request body: header ‖ enc ‖ ciphertext. POST it with content type `application/blindbox-call`. */
  body: Uint8Array;
  /**
   * Opens the response body to this request (and to no other request).
   *
   * @param limits - CBOR decoding limits for the response plaintext (default {@link CBOR_DEFAULT_LIMITS}).
   * @throws ProtocolError `PROTOCOL_RESPONSE_TAMPERED` when the body is too short or does not open;
   *   `PROTOCOL_MALFORMED_RESPONSE` when it opens but is not a CallResponse.
   */
  openResponse(body: Uint8Array, limits?: Partial<CborLimits>): Promise<CallResponse>;
  /**
   * The session keys of this call's HPKE context (docs/protocol.md §11.2). Use them only after the
   * opened response carried a `session` member: that is the server's authenticated confirmation.
   */
  deriveSession(): SessionKeys;
}

/**
 * Seals a call to an attested enclave key: HPKE base mode (RFC 9180 §5.1.1) with
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and the chosen AEAD, `info` = "blindbox/call/v1 request"
 * ‖ 0x00 ‖ header, empty aad, plaintext = deterministic CBOR of the request.
 *
 * @param testing - `ekm`: derive the ephemeral key from these bytes (RFC 9180 DeriveKeyPair). For
 *   test vectors only: a fixed ephemeral key lets anyone who knows it read the call.
 * @throws TypeError when the request fields are invalid; RangeError on wrong key sizes.
 */
export async function sealRequest(
  target: SealTarget,
  request: CallRequest,
  testing?: { ekm?: Uint8Array; responseNonce?: never },
): Promise<SealedRequest> {
  const suite = suiteFor(target.aead ?? 'aes-128-gcm');
  if (target.publicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new RangeError(`publicKey must be ${PUBLIC_KEY_LENGTH} bytes, got ${target.publicKey.length}`);
  }
  const plaintext = encodeCbor(callRequestToMap(request));
  const header = encodeRequestHeader(target.keyId, suite.aeadId);
  const { enc, context } = await setupBaseSender(
    target.publicKey,
    requestInfo(header),
    suite.name,
    testing?.ekm,
  );
  const ciphertext = await context.aead.seal(context.baseNonce, plaintext, new Uint8Array(0));
  const keyId = new Uint8Array(target.keyId);
  return {
    body: concatBytes(header, enc, ciphertext),
    deriveSession: () => deriveSessionKeys(context, suite.name, keyId),
    async openResponse(body: Uint8Array, limits?: Partial<CborLimits>): Promise<CallResponse> {
      const nonceSize = suite.responseNonceSize;
      if (!(body instanceof Uint8Array) || body.length < nonceSize + TAG_LENGTH) {
        throw new ProtocolError(
          'PROTOCOL_RESPONSE_TAMPERED',
          `response body must be at least ${nonceSize + TAG_LENGTH} bytes (response nonce and AEAD tag)`,
        );
      }
      const responseNonce = body.subarray(0, nonceSize);
      const { key, nonce } = deriveResponseKey(suite, context, enc, responseNonce);
      let opened: Uint8Array;
      try {
        opened = await createAeadKey(suite.name, key).open(
          nonce,
          body.subarray(nonceSize),
          new Uint8Array(0),
        );
      } catch (cause) {
        throw new ProtocolError(
          'PROTOCOL_RESPONSE_TAMPERED',
          'the response did not open: it was altered, truncated, or sealed for another request',
          { cause },
        );
      }
      return decodeResponse(opened, limits);
    },
  };
}

/** A CallResponse (plus the v1.1 members) from an opened response plaintext. */
export function decodeResponse(opened: Uint8Array, limits?: Partial<CborLimits>): CallResponse {
  let decoded: unknown;
  try {
    decoded = decodeCbor(opened, limits);
  } catch (error) {
    if (error instanceof ProtocolError && error.code === 'PROTOCOL_LIMIT_EXCEEDED') throw error;
    // No cause: the CBOR decoder's message may quote plaintext bytes, which must never reach a log.
    throw new ProtocolError('PROTOCOL_MALFORMED_RESPONSE', 'the response plaintext is not valid CBOR');
  }
  return callResponseFromMap(decoded, 'PROTOCOL_MALFORMED_RESPONSE');
}
