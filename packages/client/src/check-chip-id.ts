import type { VerificationReport } from '@blindbox/attestation';
import { ClientError } from './client-error.js';

/**
 * The hardware identity a platform's evidence carries, lowercase hex: SEV-SNP `CHIP_ID` (64 bytes,
 * signed by the chip's VCEK) and TDX `PPID` (16 bytes, from the PCK certificate Intel issued for the
 * platform). Nitro and the simulator carry none.
 */
export function chipIdOf(report: VerificationReport): { field: string; value: string } | undefined {
  const claims = report.claims;
  if (report.platform === 'sev-snp' && typeof claims['chipId'] === 'string') {
    return { field: 'CHIP_ID', value: claims['chipId'] };
  }
  const pck = claims['pck'] as { ppid?: unknown } | undefined;
  if (report.platform === 'tdx' && typeof pck?.ppid === 'string') return { field: 'PPID', value: pck.ppid };
  return undefined;
}

/**
 * Relay protection (Contrast's advice): with an allowlist, the evidence must come from one of the
 * listed machines, so that a key attested on hardware the vendor does not run (a stolen or
 * compromised machine of the same release) is refused. Absent: any chip. Fails closed on a
 * platform whose evidence names no chip.
 */
export function checkChipAllowed(report: VerificationReport, allowed: readonly string[] | undefined): void {
  if (allowed === undefined) return;
  if (!Array.isArray(allowed)) {
    throw new ClientError('CLIENT_BAD_POLICY', 'allowedChipIds must be a list of hex chip ids');
  }
  const chip = chipIdOf(report);
  if (chip === undefined) {
    throw new ClientError(
      'CLIENT_CHIP_NOT_ALLOWED',
      `the policy allows only listed chips, but ${report.platform} evidence names no chip (SEV-SNP CHIP_ID and TDX PPID do)`,
      { field: 'chipId', expected: `one of ${allowed.length} allowed chips`, found: '(absent)' },
    );
  }
  if (!allowed.some((id) => typeof id === 'string' && id.trim().toLowerCase() === chip.value)) {
    throw new ClientError(
      'CLIENT_CHIP_NOT_ALLOWED',
      `the server's ${chip.field} ${chip.value} is not one of the ${allowed.length} allowed chips: evidence from another machine (a relay?)`,
      { field: 'chipId', expected: `one of ${allowed.length} allowed chips`, found: chip.value },
    );
  }
}
