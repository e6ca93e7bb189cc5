import { concatBytes, utf8Encode } from '@blindbox/bytes';
import { BINDING_LABEL, NONCE_LENGTH, PUBLIC_KEY_LENGTH } from './constants.js';
import { sha512 } from './hpke/sha2.js';

const PREFIX = concatBytes(utf8Encode(BINDING_LABEL), new Uint8Array([0]));

/**
 * The attestation binding: `SHA-512("blindbox/attest/v1" ‖ 0x00 ‖ nonce ‖ hpkePublicKey)`, 64 bytes.
 * It goes into the platform's report data (SEV-SNP and TDX `report_data`, Nitro `user_data`,
 * simulated `report_data`). Binding the key, not only the nonce, stops a relay from presenting
 * another enclave's fresh evidence with its own key.
 *
 * @throws RangeError when `nonce` is not 32 bytes or `hpkePublicKey` is not 32 bytes.
 */
export function computeBinding(nonce: Uint8Array, hpkePublicKey: Uint8Array): Uint8Array {
  if (nonce.length !== NONCE_LENGTH) throw new RangeError(`nonce must be 32 bytes, got ${nonce.length}`);
  if (hpkePublicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new RangeError(`hpkePublicKey must be 32 bytes, got ${hpkePublicKey.length}`);
  }
  return sha512(concatBytes(PREFIX, nonce, hpkePublicKey));
}
