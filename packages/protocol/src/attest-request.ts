import { NONCE_LENGTH } from './constants.js';
import { base64urlDecode } from './encoding.js';
import { ProtocolError } from './protocol-error.js';

/** Body of `POST /.well-known/blindbox/v1/attest`. */
export interface AttestRequest {
  /** base64url (no padding) of 32 random bytes. */
  nonce: string;
}

/** 32 fresh bytes from `crypto.getRandomValues`: the nonce of one attestation. */
export function newNonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(NONCE_LENGTH));
}

/**
 * Validates an attest request body (parsed JSON): an object whose `nonce` is unpadded base64url of
 * exactly 32 bytes. Other members are ignored.
 *
 * @throws ProtocolError `PROTOCOL_MALFORMED_REQUEST`.
 */
export function parseAttestRequest(json: unknown): AttestRequest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', 'attest request must be a JSON object { nonce }');
  }
  const nonce: unknown = (json as Record<string, unknown>)['nonce'];
  if (typeof nonce !== 'string') {
    throw new ProtocolError('PROTOCOL_MALFORMED_REQUEST', 'attest request: "nonce" must be a string');
  }
  let bytes: Uint8Array;
  try {
    bytes = base64urlDecode(nonce);
  } catch (cause) {
    throw new ProtocolError(
      'PROTOCOL_MALFORMED_REQUEST',
      'attest request: "nonce" is not unpadded base64url',
      {
        cause,
      },
    );
  }
  if (bytes.length !== NONCE_LENGTH) {
    throw new ProtocolError(
      'PROTOCOL_MALFORMED_REQUEST',
      `attest request: "nonce" must decode to ${NONCE_LENGTH} bytes, got ${bytes.length}`,
    );
  }
  return { nonce };
}
