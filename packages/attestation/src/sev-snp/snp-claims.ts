import { hexEncode } from '@blindbox/bytes';
import type { HclReport } from './parse-hcl-report.js';
import type { SnpReport } from './parse-snp-report.js';
import { type SnpProduct, type SnpTcb, tcbHex } from './snp-product.js';

/** The report's own fields, JSON-safe, for the `claims` of an accepted VerificationReport. */
export function snpClaims(
  report: SnpReport,
  product: SnpProduct,
  tcb: SnpTcb,
  hcl?: HclReport,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    product,
    version: report.version,
    guestSvn: report.guestSvn,
    policy: `0x${report.policy.toString(16)}`,
    vmpl: report.vmpl,
    signingKey: report.signingKey,
    familyId: hexEncode(report.familyId),
    imageId: hexEncode(report.imageId),
    reportData: hexEncode(report.reportData),
    currentTcb: hexEncode(report.currentTcb),
    reportedTcb: hexEncode(report.reportedTcb),
    reportedTcbm: tcbHex(report.reportedTcb),
    committedTcb: hexEncode(report.committedTcb),
    launchTcb: hexEncode(report.launchTcb),
    tcb,
    platformInfo: `0x${report.platformInfo.toString(16)}`,
    idKeyDigest: hexEncode(report.idKeyDigest),
    authorKeyDigest: hexEncode(report.authorKeyDigest),
    reportId: hexEncode(report.reportId),
    reportIdMa: hexEncode(report.reportIdMa),
    chipId: hexEncode(report.chipId),
    currentVersion: report.currentVersion,
    committedVersion: report.committedVersion,
  };
  if (report.version >= 3) {
    claims['cpuid'] = {
      family: report.cpuidFamily,
      model: report.cpuidModel,
      stepping: report.cpuidStepping,
    };
  }
  if (report.launchMitVector !== undefined) {
    claims['launchMitVector'] = `0x${report.launchMitVector.toString(16)}`;
    claims['currentMitVector'] = `0x${(report.currentMitVector ?? 0n).toString(16)}`;
  }
  if (hcl) claims['hclRuntimeClaims'] = hcl.runtimeClaims ?? hexEncode(hcl.runtimeData);
  return claims;
}
