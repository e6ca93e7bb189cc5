import type { AttestationErrorCode } from '../attestation-error.js';
import type { CheckList } from '../verifier/check-list.js';
import { SNP_PLATFORM_INFO, SNP_POLICY, type SnpReport } from './parse-snp-report.js';
import type { SnpPolicy } from './snp-policy.js';
import { SNP_TCB_COMPONENTS, type SnpTcb, tcbText } from './snp-product.js';

/** One report bit that weakens the guest's isolation, and the policy option that accepts it. */
interface PolicyBit {
  /** The check's name in the report. */
  name: string;
  /** The report field that holds the bit. */
  field: 'policy' | 'platformInfo';
  bit: bigint;
  code: AttestationErrorCode;
  /** Whether the policy accepts a report with the bit set. */
  allowed: (policy: SnpPolicy) => boolean;
  /** What the check records as expected. */
  expected: (policy: SnpPolicy) => string;
  message: string;
}

/**
 * The guest policy and platform bits checked, in order (SEV-SNP ABI spec "Guest Policy Structure" and
 * "PLATFORM_INFO Field"). A bit that is set fails its check unless the policy option named for it
 * accepts it; add a row here to check another bit.
 */
const POLICY_BITS: readonly PolicyBit[] = [
  {
    name: 'snp.policy.debug',
    field: 'policy',
    bit: SNP_POLICY.DEBUG,
    code: 'ATTESTATION_DEBUG',
    allowed: (p) => p.allowDebug === true,
    expected: () => 'false',
    message:
      'the guest policy allows debugging (bit 19): the host can read and change its memory; pass allowDebug to accept it (never in production)',
  },
  {
    name: 'snp.policy.migrationAgent',
    field: 'policy',
    bit: SNP_POLICY.MIGRATE_MA,
    code: 'ATTESTATION_POLICY',
    allowed: (p) => p.allowMigrationAgent === true,
    expected: () => 'false',
    message:
      'the guest policy allows a migration agent (bit 18), which can export its memory; pass allowMigrationAgent to accept it',
  },
  {
    name: 'snp.platform.smt',
    field: 'platformInfo',
    bit: SNP_PLATFORM_INFO.SMT_EN,
    code: 'ATTESTATION_POLICY',
    allowed: (p) => p.allowSmt !== false,
    expected: (p) => (p.allowSmt === false ? 'false' : 'any'),
    message: 'the platform has SMT enabled and the policy forbids it',
  },
];

/** Whether the guest runs with DEBUG set: its memory is readable by the host. */
export function isSnpDebug(report: SnpReport): boolean {
  return (report.policy & SNP_POLICY.DEBUG) !== 0n;
}

/**
 * Step 6, guest policy: every bit of {@link POLICY_BITS}, then the VMPL, the minimum TCB and the
 * minimum GUEST_SVN the policy asks for.
 */
export function checkSnpGuestPolicy(
  report: SnpReport,
  reported: SnpTcb,
  policy: SnpPolicy,
  checks: CheckList,
): void {
  for (const rule of POLICY_BITS) {
    const set = (report[rule.field] & rule.bit) !== 0n;
    checks.require(!set || rule.allowed(policy), rule.name, rule.code, rule.message, {
      expected: rule.expected(policy),
      found: String(set),
    });
  }
  checks.require(
    policy.vmpl === undefined || report.vmpl === policy.vmpl,
    'snp.vmpl',
    'ATTESTATION_POLICY',
    `the report was requested from VMPL ${report.vmpl}, the policy requires VMPL ${policy.vmpl}`,
    { expected: policy.vmpl === undefined ? 'any' : String(policy.vmpl), found: String(report.vmpl) },
  );
  const min = policy.minimumTcb ?? {};
  const below = SNP_TCB_COMPONENTS.filter(
    (k) => min[k] !== undefined && (reported[k] ?? 0) < (min[k] as number),
  );
  checks.require(
    below.length === 0,
    'snp.tcb.minimum',
    'ATTESTATION_TCB',
    `the reported TCB (${tcbText(reported)}) is below the policy minimum for ${below.join(', ')}: the platform needs a firmware update`,
    { expected: JSON.stringify(min), found: tcbText(reported) },
  );
  const minSvn = policy.minimumGuestSvn ?? 0;
  checks.require(
    report.guestSvn >= minSvn,
    'snp.guestSvn',
    'ATTESTATION_POLICY',
    `GUEST_SVN ${report.guestSvn} is below the policy minimum ${minSvn}`,
    { expected: `>= ${minSvn}`, found: String(report.guestSvn) },
  );
}
