import { KDF_ID, KEM_ID } from './constants.js';
import { type AeadName, aeadNameOf } from './hpke-suite.js';
import { ProtocolError } from './protocol-error.js';

/**
 * Picks the AEAD a client seals with, given the suites an envelope advertises: `preferred` when the
 * server accepts it, else the first AEAD in the server's list that protocol v1 knows.
 *
 * @param preferred - the client's choice; default: the server's order.
 * @throws ProtocolError `PROTOCOL_UNSUPPORTED_SUITE` when the KEM or KDF is not v1's, or no AEAD is shared.
 */
export function selectAead(
  suites: { kem: number; kdf: number; aead: number[] },
  preferred?: AeadName,
): AeadName {
  if (suites.kem !== KEM_ID || suites.kdf !== KDF_ID) {
    throw new ProtocolError(
      'PROTOCOL_UNSUPPORTED_SUITE',
      `server offers KEM 0x${suites.kem.toString(16)} / KDF 0x${suites.kdf.toString(16)}; protocol v1 needs 0x0020 / 0x0001`,
    );
  }
  const offered = suites.aead.map(aeadNameOf).filter((name): name is AeadName => name !== undefined);
  if (preferred !== undefined && offered.includes(preferred)) return preferred;
  const first = offered[0];
  if (first === undefined) {
    throw new ProtocolError('PROTOCOL_UNSUPPORTED_SUITE', 'server offers no AEAD that protocol v1 supports');
  }
  return first;
}
