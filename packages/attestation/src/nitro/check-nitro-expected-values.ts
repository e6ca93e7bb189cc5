import { hexEncode } from '@blindbox/bytes';
import { AttestationError } from '../attestation-error.js';
import type { CheckList } from '../verifier/check-list.js';
import { policyHexValue, requireAcceptedValue } from '../verifier/expected-values.js';
import type { NitroPcrSet, NitroPolicy } from './nitro-policy.js';
import type { NitroDocument } from './parse-nitro-document.js';

/** PCR sizes the NSM uses (SHA-256, SHA-384, SHA-512 banks). */
const PCR_BYTES = [32, 48, 64] as const;
const PINNABLE = [0, 1, 2, 3, 4, 8];

type PcrEntries = (readonly [number, string])[];

/** One policy PCR set as (index, lowercase hex) pairs, refused unless it pins PCR0 or PCR8 and only pinnable PCRs. */
function pcrSetEntries(set: NitroPcrSet): PcrEntries {
  const entries = Object.entries(set).map(
    ([k, v]) => [Number(k), policyHexValue(v as string, `PCR${k}`, PCR_BYTES)] as const,
  );
  if (!entries.some(([k]) => k === 0 || k === 8)) {
    // PCR1 and PCR2 without PCR0 or PCR8 pin a kernel and a boot ramdisk that many images share:
    // policies like that are how verifiers came to accept any application (CVE-2025-64186).
    throw new AttestationError(
      'ATTESTATION_POLICY',
      'every accepted PCR set must pin PCR0 (the enclave image) or PCR8 (its signing certificate)',
    );
  }
  if (entries.some(([k]) => !PINNABLE.includes(k))) {
    throw new AttestationError('ATTESTATION_POLICY', 'PCR sets may pin PCR0, 1, 2, 3, 4 and 8 only');
  }
  return entries;
}

function checkPcrSets(doc: NitroDocument, accepted: readonly NitroPcrSet[], checks: CheckList): void {
  const pcrHex = (i: number) => {
    const v = doc.pcrs.get(i);
    return v ? hexEncode(v) : undefined;
  };
  const sets = accepted.map(pcrSetEntries);
  const match = sets.some((entries) => entries.every(([i, v]) => pcrHex(i) === v));
  const named = [...new Set(sets.flatMap((e) => e.map(([i]) => i)))].sort((a, b) => a - b);
  checks.require(
    match,
    'nitro.pcrs',
    'ATTESTATION_PCR_MISMATCH',
    'the enclave PCRs match none of the accepted PCR sets: a different image, kernel, application or signer is running',
    {
      expected: sets.map((e) => e.map(([i, v]) => `PCR${i}=${v}`).join(' ')).join(' | '),
      found: named.map((i) => `PCR${i}=${pcrHex(i) ?? '(absent)'}`).join(' '),
    },
  );
}

/**
 * Step 6, expected values: the PCRs match one of the policy's PCR sets and PCR0 is one of its
 * measurements, for whichever of the two the policy lists.
 */
export function checkNitroExpectedValues(
  doc: NitroDocument,
  pcr0: Uint8Array,
  policy: Pick<NitroPolicy, 'pcrs' | 'measurements'>,
  checks: CheckList,
): void {
  if (policy.pcrs) checkPcrSets(doc, policy.pcrs, checks);
  requireAcceptedValue(
    checks,
    {
      name: 'nitro.measurement',
      code: 'ATTESTATION_MEASUREMENT_MISMATCH',
      what: 'measurement',
      byteLengths: PCR_BYTES,
      message: (found) => `PCR0 ${found} is not one the policy accepts: a different enclave image is running`,
    },
    policy.measurements,
    hexEncode(pcr0),
  );
}
