import type { AttestationErrorCode } from '../attestation-error.js';
import type { CheckList } from '../verifier/check-list.js';
import { requireExpectedBytes } from '../verifier/expected-values.js';
import type { NitroVerifyOptions } from './nitro-policy.js';
import type { NitroDocument } from './parse-nitro-document.js';

/** One document field checked against a value the caller expects, in the order they are checked. */
const BOUND_FIELDS: readonly {
  name: string;
  field: 'nonce' | 'publicKey' | 'userData';
  option: 'expectedNonce' | 'expectedPublicKey' | 'expectedReportData' | 'expectedUserData';
  code: AttestationErrorCode;
  message: string;
}[] = [
  {
    name: 'nitro.nonce',
    field: 'nonce',
    option: 'expectedNonce',
    code: 'ATTESTATION_NONCE_MISMATCH',
    message: 'the document nonce is not the one this client sent: replayed evidence',
  },
  {
    name: 'nitro.publicKey',
    field: 'publicKey',
    option: 'expectedPublicKey',
    code: 'ATTESTATION_BINDING_MISMATCH',
    message: 'the document public_key is not the key the server offered: a relay swapped the key',
  },
  // Both user_data checks run when both values are given: an expectedUserData must never stand in
  // for the binding.
  {
    name: 'binding.userData',
    field: 'userData',
    option: 'expectedReportData',
    code: 'ATTESTATION_BINDING_MISMATCH',
    message:
      'user_data does not bind this nonce and this public key: replayed evidence or a relay that swapped the key',
  },
  {
    name: 'nitro.userData',
    field: 'userData',
    option: 'expectedUserData',
    code: 'ATTESTATION_BINDING_MISMATCH',
    message: 'user_data is not the value the policy expects',
  },
];

/**
 * Step 7, binding: `nonce`, `public_key` and `user_data` equal what the caller expects (the protocol
 * puts the nonce, the HPKE public key and the binding there; docs/protocol.md §3.3).
 */
export function checkNitroBinding(
  doc: NitroDocument,
  options: Pick<NitroVerifyOptions, (typeof BOUND_FIELDS)[number]['option']>,
  checks: CheckList,
): void {
  for (const f of BOUND_FIELDS) {
    requireExpectedBytes(checks, f.name, f.code, options[f.option], doc[f.field], f.message);
  }
}
