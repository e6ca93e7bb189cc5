import { equalBytes, hexEncode } from '@blindbox/bytes';
import type { CheckList } from '../verifier/check-list.js';
import type { SnpReport } from './parse-snp-report.js';
import { parseVcekExtensions } from './parse-vcek-extensions.js';
import type { SnpCollateralSet } from './resolve-snp-collateral.js';
import {
  decodeTcb,
  SNP_TCB_COMPONENTS,
  type SnpProduct,
  type SnpTcb,
  tcbHex,
  tcbText,
} from './snp-product.js';

function sameTcb(a: SnpTcb, b: SnpTcb): boolean {
  return SNP_TCB_COMPONENTS.every((k) => a[k] === b[k]);
}

/**
 * Step 5, TCB and chip id: the VCEK/VLEK was issued for the TCB the report states (VCEK spec #57230
 * Table 8: the certificate's SPLs are the TCB it was derived for), a VCEK belongs to the chip the
 * report names (hwID = CHIP_ID), and THIM's tcbm, when given, is the report's TCB. Returns the
 * report's REPORTED_TCB, decoded for `product`.
 */
export function checkSnpTcbAndChipId(
  report: SnpReport,
  collateral: SnpCollateralSet,
  product: SnpProduct,
  checks: CheckList,
): SnpTcb {
  const ext = parseVcekExtensions(collateral.leaf, product === 'Turin');
  const reported = decodeTcb(report.reportedTcb, product);
  checks.require(
    sameTcb(ext.tcb, reported),
    `snp.${report.signingKey}.tcb`,
    'ATTESTATION_TCB',
    `the ${report.signingKey.toUpperCase()} was issued for TCB ${tcbText(ext.tcb)} but the report says ${tcbText(reported)}`,
    { expected: tcbText(reported), found: tcbText(ext.tcb) },
  );
  if (report.signingKey === 'vcek') {
    const chipId = product === 'Turin' ? report.chipId.subarray(0, 8) : report.chipId;
    const masked = report.chipId.every((b) => b === 0);
    // A VCEK is unique to one chip: its hwID must name the chip the report says it comes from
    // (unless the host masked CHIP_ID, in which case the VCEK signature alone ties report and chip).
    checks.require(
      ext.hwid !== undefined && (masked || equalBytes(ext.hwid, chipId)),
      'snp.vcek.hwid',
      'ATTESTATION_CERT_CHAIN',
      'the VCEK hwID does not match the report CHIP_ID: the VCEK belongs to another chip',
      { expected: hexEncode(chipId), found: ext.hwid ? hexEncode(ext.hwid) : '(none)' },
    );
  }
  const thim = collateral.thim;
  if (thim) {
    checks.require(
      equalBytes(thim.tcb, report.reportedTcb),
      'snp.thim.tcbm',
      'ATTESTATION_TCB',
      `THIM says the VCEK is for tcbm ${thim.tcbm}, the report says ${tcbHex(report.reportedTcb)}`,
      { expected: tcbHex(report.reportedTcb), found: thim.tcbm },
    );
  }
  return reported;
}
