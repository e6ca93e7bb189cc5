import { hexEncode } from '@blindbox/bytes';
import type { CheckList } from '../verifier/check-list.js';
import {
  type AcceptedValueCheck,
  requireAcceptedValue,
  requireExpectedBytes,
} from '../verifier/expected-values.js';
import type { PckChain } from './check-pck-chain.js';
import type { TdxQuote } from './parse-tdx-quote.js';
import type { TdxVerifyOptions } from './tdx-options.js';

/** TDATTRIBUTES bit 0 (TUD.DEBUG; Intel TDX Module ABI "ATTRIBUTES"): the host VMM can read and write the TD. */
export const TD_ATTRIBUTES_DEBUG = 1n;

export function isTdDebug(quote: TdxQuote): boolean {
  return (quote.body.tdAttributes & TD_ATTRIBUTES_DEBUG) !== 0n;
}

/** Step 10, debug: a debug TD is refused unless the policy says allowDebug. */
export function checkTdAttributes(quote: TdxQuote, policy: TdxVerifyOptions, checks: CheckList): void {
  const debug = isTdDebug(quote);
  checks.require(
    !debug || policy.allowDebug === true,
    'tdx.attributes.debug',
    'ATTESTATION_DEBUG',
    'the TD runs in debug mode (TDATTRIBUTES bit 0): the host can read and change its memory; pass allowDebug to accept it (never in production)',
    { expected: 'false', found: String(debug) },
  );
}

const MEASUREMENT: AcceptedValueCheck = {
  name: 'tdx.mrtd',
  code: 'ATTESTATION_MEASUREMENT_MISMATCH',
  what: 'MRTD',
  byteLengths: [48],
  message: (found) =>
    `MRTD ${found} is not one the policy accepts: different TD firmware or initial contents`,
};
const MRCONFIGID: AcceptedValueCheck = {
  name: 'tdx.mrConfigId',
  code: 'ATTESTATION_MRCONFIGID_MISMATCH',
  what: 'MRCONFIGID',
  byteLengths: [48],
  message: (found) =>
    `MRCONFIGID ${found} is not one the policy accepts (for Kata/CoCo: SHA-384 of the pod's initdata): a different pod configuration`,
};
const PPID: AcceptedValueCheck = {
  name: 'tdx.ppid',
  code: 'ATTESTATION_POLICY',
  what: 'PPID',
  byteLengths: [16],
  message: (found) => `the quote comes from platform ${found}, which the policy does not list`,
};

function rtmrCheck(index: 0 | 1 | 2 | 3): AcceptedValueCheck {
  return {
    name: `tdx.rtmr${index}`,
    code: 'ATTESTATION_RTMR_MISMATCH',
    what: `RTMR${index}`,
    byteLengths: [48],
    message: (found) =>
      `RTMR${index} ${found} is not the value the policy expects: different boot components were measured`,
  };
}

/** Step 11, expected values: MRTD, RTMR0–3, MRCONFIGID and the PPID, each when the policy gives it. */
export function checkTdxExpectedValues(
  quote: TdxQuote,
  chain: PckChain,
  policy: TdxVerifyOptions,
  checks: CheckList,
): void {
  const body = quote.body;
  requireAcceptedValue(checks, MEASUREMENT, policy.mrtd, hexEncode(body.mrTd));
  for (const index of [0, 1, 2, 3] as const) {
    const expected = policy.rtmrs?.[index];
    requireAcceptedValue(
      checks,
      rtmrCheck(index),
      expected === undefined ? undefined : [expected],
      hexEncode(body.rtmrs[index]),
    );
  }
  requireAcceptedValue(checks, MRCONFIGID, policy.mrConfigId, hexEncode(body.mrConfigId));
  requireAcceptedValue(checks, PPID, policy.allowedPpids, hexEncode(chain.extensions.ppid));
}

/** Step 12, binding: REPORTDATA is the 64-byte protocol binding of this nonce and this HPKE key (docs/protocol.md §3.3). */
export function checkTdxBinding(quote: TdxQuote, policy: TdxVerifyOptions, checks: CheckList): void {
  requireExpectedBytes(
    checks,
    'binding.reportData',
    'ATTESTATION_BINDING_MISMATCH',
    policy.expectedReportData,
    quote.body.reportData,
    'REPORTDATA does not bind this nonce and this public key: replayed evidence or a relay that swapped the key',
  );
}
