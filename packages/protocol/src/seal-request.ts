import { concatBytes, exactBuffer } from './bytes.js';
import {
  type CallRequest,
  type CallResponse,
  callRequestToMap,
  callResponseFromMap,
} from './call-messages.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import { PUBLIC_KEY_LENGTH, TAG_LENGTH } from './constants.js';
import { type AeadName, suiteFor } from './hpke-suite.js';
import { ProtocolError } from './protocol-error.js';
import { encodeRequestHeader, requestInfo } from './request-header.js';
import { deriveResponseKey } from './response-key.js';

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
   * @throws ProtocolError `PROTOCOL_RESPONSE_TAMPERED` when the body is too short or does not open;
   *   `PROTOCOL_MALFORMED_RESPONSE` when it opens but is not a CallResponse.
   */
  openResponse(body: Uint8Array): Promise<CallResponse>;
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
  const recipientPublicKey = await suite.hpke.kem.deserializePublicKey(exactBuffer(target.publicKey));
  const sender = await suite.hpke.createSenderContext({
    recipientPublicKey,
    info: requestInfo(header),
    ...(testing?.ekm === undefined ? {} : { ekm: exactBuffer(testing.ekm) }),
  });
  const enc = new Uint8Array(sender.enc);
  const ciphertext = new Uint8Array(await sender.seal(exactBuffer(plaintext)));
  return {
    body: concatBytes(header, enc, ciphertext),
    async openResponse(body: Uint8Array): Promise<CallResponse> {
      const nonceSize = suite.responseNonceSize;
      if (!(body instanceof Uint8Array) || body.length < nonceSize + TAG_LENGTH) {
        throw new ProtocolError(
          'PROTOCOL_RESPONSE_TAMPERED',
          `response body must be at least ${nonceSize + TAG_LENGTH} bytes (response nonce and AEAD tag)`,
        );
      }
      const responseNonce = body.subarray(0, nonceSize);
      const { key, nonce } = await deriveResponseKey(suite, sender, enc, responseNonce);
      let opened: Uint8Array;
      try {
        const aead = suite.aead.createEncryptionContext(exactBuffer(key));
        opened = new Uint8Array(
          await aead.open(exactBuffer(nonce), exactBuffer(body.subarray(nonceSize)), new ArrayBuffer(0)),
        );
      } catch (cause) {
        throw new ProtocolError(
          'PROTOCOL_RESPONSE_TAMPERED',
          'the response did not open: it was altered, truncated, or sealed for another request',
          { cause },
        );
      }
      let decoded: unknown;
      try {
        decoded = decodeCbor(opened);
      } catch {
        // No cause: the CBOR decoder's message may quote plaintext bytes, which must never reach a log.
        throw new ProtocolError('PROTOCOL_MALFORMED_RESPONSE', 'the response plaintext is not valid CBOR');
      }
      return callResponseFromMap(decoded, 'PROTOCOL_MALFORMED_RESPONSE');
    },
  };
}
