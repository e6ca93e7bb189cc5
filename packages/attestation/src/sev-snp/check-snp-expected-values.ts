import { hexEncode } from '@blindbox/bytes';
import type { CheckList } from '../verifier/check-list.js';
import { type AcceptedValueCheck, requireAcceptedValue } from '../verifier/expected-values.js';
import type { SnpReport } from './parse-snp-report.js';
import type { SnpPolicy } from './snp-policy.js';

/** The report fields a policy may list accepted values for, in the order they are checked. */
const EXPECTED_VALUES: readonly (AcceptedValueCheck & {
  option: 'allowedChipIds' | 'measurements' | 'hostData';
  field: 'chipId' | 'measurement' | 'hostData';
})[] = [
  {
    option: 'allowedChipIds',
    field: 'chipId',
    name: 'snp.chipId',
    code: 'ATTESTATION_POLICY',
    what: 'chip id',
    byteLengths: [64],
    message: () => 'the report comes from a chip the policy does not list',
  },
  {
    option: 'measurements',
    field: 'measurement',
    name: 'snp.measurement',
    code: 'ATTESTATION_MEASUREMENT_MISMATCH',
    what: 'measurement',
    byteLengths: [48],
    message: (found) =>
      `the launch measurement ${found} is not one the policy accepts: a different image is running`,
  },
  {
    option: 'hostData',
    field: 'hostData',
    name: 'snp.hostData',
    code: 'ATTESTATION_HOST_DATA_MISMATCH',
    what: 'host data',
    byteLengths: [32],
    message: (found) =>
      `HOST_DATA ${found} is not one the policy accepts (for ACI: SHA-256 of the confidential computing enforcement policy)`,
  },
];

/** Step 7, expected values: CHIP_ID, MEASUREMENT and HOST_DATA are among the values the policy lists, if it lists any. */
export function checkSnpExpectedValues(report: SnpReport, policy: SnpPolicy, checks: CheckList): void {
  for (const check of EXPECTED_VALUES) {
    requireAcceptedValue(checks, check, policy[check.option], hexEncode(report[check.field]));
  }
}
