import type { CheckList } from '../verifier/check-list.js';
import type { NitroPolicy } from './nitro-policy.js';
import type { NitroDocument } from './parse-nitro-document.js';

/**
 * Step 5, debug mode: PCR0, PCR1 and PCR2 are present, and not all zero unless the policy allows
 * debug (Nitro Enclaves User Guide, "Debug mode": an enclave started with --debug-mode reports
 * PCR0–2 as zero, and its parent instance can read its memory). Returns PCR0 (the measurement) and
 * whether the enclave is in debug mode.
 */
export function checkNitroDebug(
  doc: NitroDocument,
  policy: Pick<NitroPolicy, 'allowDebug'>,
  checks: CheckList,
): { pcr0: Uint8Array; debug: boolean } {
  const [pcr0, pcr1, pcr2] = [0, 1, 2].map((i) => doc.pcrs.get(i));
  checks.require(
    pcr0 !== undefined && pcr1 !== undefined && pcr2 !== undefined,
    'nitro.pcrs.present',
    'ATTESTATION_MALFORMED_EVIDENCE',
    'the document lacks PCR0, PCR1 or PCR2',
  );
  const debug = [pcr0, pcr1, pcr2].every((p) => p?.every((b) => b === 0));
  checks.require(
    !debug || policy.allowDebug === true,
    'nitro.debug',
    'ATTESTATION_DEBUG',
    'PCR0, PCR1 and PCR2 are all zero: a debug-mode enclave whose memory the parent instance can read; pass allowDebug to accept it (never in production)',
    { expected: 'false', found: String(debug) },
  );
  return { pcr0: pcr0 as Uint8Array, debug };
}
