import { concatBytes } from '@blindbox/bytes';
import { callResponseToMap } from './call-messages.js';
import { encodeCbor } from './cbor.js';
import { ENC_LENGTH, NOT_RUN_BUSY, REQUEST_HEADER_LENGTH } from './constants.js';
import { createAeadKey } from './hpke/aead-key.js';
import { setupBaseRecipient } from './hpke/hpke-base.js';
import { checkHeader, heldKey } from './open-request.js';
import { ProtocolError } from './protocol-error.js';
import { requestInfo } from './request-header.js';
import { deriveResponseKey } from './response-key.js';
import type { ServerKey } from './server-key.js';

/** Bytes of a one-shot body a server must read to refuse it with proof: header and enc. */
export const REFUSAL_PREFIX_LENGTH = REQUEST_HEADER_LENGTH + ENC_LENGTH;

/**
 * An authenticated `NOT_RUN_BUSY` refusal of a one-shot call (docs/protocol.md §11.6), made from
 * the first {@link REFUSAL_PREFIX_LENGTH} bytes of its body only, so a server over its memory
 * budget can refuse without reading the rest: the response key comes from the HPKE context of the
 * call's `enc` (RFC 9458 §4.4), which only the holder of the attested key can derive, so the client
 * knows the enclave itself refused and may resend. Send it as `503` with content type
 * `application/blindbox-response`.
 *
 * The caller MUST then never run a call with this `enc`: remember it in the replay cache first
 * (`replayCache.admit(enc, Date.now())` must say `fresh`), or a copy delivered later would run
 * after the client's resend. When it cannot be remembered (`full`), answer a plain 503 instead.
 *
 * @returns the sealed refusal and the `enc` to remember.
 * @throws ProtocolError as `openRequest` does before decryption (`PROTOCOL_MALFORMED_REQUEST`,
 *   `PROTOCOL_UNSUPPORTED_SUITE`, `PROTOCOL_UNKNOWN_KEY`), or `PROTOCOL_DECRYPT_FAILED` on an
 *   invalid `enc`.
 */
export async function refuseRequest(
  keys: (keyId: Uint8Array) => ServerKey | undefined,
  prefix: Uint8Array,
  message = 'the enclave is busy: retry later',
): Promise<{ body: Uint8Array; enc: Uint8Array }> {
  const { header, keyId, suite } = checkHeader(prefix, REFUSAL_PREFIX_LENGTH);
  const pair = heldKey(keys, keyId);
  const enc = prefix.slice(REQUEST_HEADER_LENGTH, REFUSAL_PREFIX_LENGTH);
  let context: Awaited<ReturnType<typeof setupBaseRecipient>>;
  try {
    context = await setupBaseRecipient(enc, pair, requestInfo(header), suite.name);
  } catch (cause) {
    throw new ProtocolError('PROTOCOL_DECRYPT_FAILED', 'invalid enc', { cause });
  }
  const responseNonce = crypto.getRandomValues(new Uint8Array(suite.responseNonceSize));
  const { key, nonce } = deriveResponseKey(suite, context, enc, responseNonce);
  const plaintext = encodeCbor(
    callResponseToMap({ ok: false, error: { code: NOT_RUN_BUSY, message }, serverTime: Date.now() }),
  );
  const sealed = await createAeadKey(suite.name, key).seal(nonce, plaintext, new Uint8Array(0));
  return { body: concatBytes(responseNonce, sealed), enc };
}
