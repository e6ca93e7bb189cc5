import { equalBytes, hexEncode } from '@blindbox/bytes';
import type { CheckList } from '../verifier/check-list.js';
import { checkSignedCollateral, requireAcceptedTcbStatus } from './check-signed-collateral.js';
import { findIsvSvnLevel } from './match-tcb-level.js';
import type { TcbStatus } from './parse-tcb-info.js';
import type { TdxQuote } from './parse-tdx-quote.js';
import type { ResolvedTdxCollateral } from './resolve-tdx-collateral.js';
import type { TdxPolicy } from './tdx-options.js';

/**
 * Step 9, QE identity: signed by Intel and current, and the QE report is Intel's TDX Quoting Enclave
 * (MRSIGNER, ISVPRODID, MISCSELECT and ATTRIBUTES under their masks; Intel TDX DCAP "Enclave
 * Identity" evaluation), at a TCB level (by ISVSVN) whose status the policy accepts. Without this a
 * quote could come from any enclave holding a PCK-signed report, e.g. a debug QE.
 */
export async function checkQeIdentity(
  quote: TdxQuote,
  collateral: ResolvedTdxCollateral,
  options: TdxPolicy & { at: Date },
  checks: CheckList,
): Promise<TcbStatus> {
  const { qeIdentity: id } = collateral;
  const qe = quote.qeReport;
  await checkSignedCollateral(
    id,
    collateral.qeIdentityChain,
    collateral.rootCrl,
    { at: options.at, name: 'tdx.qeIdentity', what: 'QE identity' },
    checks,
  );
  const mismatch = (field: string, expected: string, found: string, ok: boolean) =>
    checks.require(
      ok,
      `tdx.qeIdentity.${field}`,
      'ATTESTATION_QE_IDENTITY_MISMATCH',
      `the quote's Quoting Enclave is not Intel's TDX QE: ${field} ${found}, Intel's QE identity says ${expected}`,
      { expected, found },
    );
  mismatch('mrSigner', hexEncode(id.mrSigner), hexEncode(qe.mrSigner), equalBytes(qe.mrSigner, id.mrSigner));
  mismatch('isvProdId', String(id.isvProdId), String(qe.isvProdId), qe.isvProdId === id.isvProdId);
  const misc = (qe.miscSelect & id.miscSelectMask) >>> 0;
  mismatch('miscSelect', id.miscSelect.toString(16), misc.toString(16), misc === id.miscSelect);
  const attributes = qe.attributes.map((b, i) => b & (id.attributesMask[i] ?? 0));
  mismatch(
    'attributes',
    hexEncode(id.attributes),
    hexEncode(attributes),
    equalBytes(attributes, id.attributes),
  );
  const level = findIsvSvnLevel(id.tcbLevels, qe.isvSvn);
  checks.require(
    level !== undefined,
    'tdx.qe.tcb.level',
    'ATTESTATION_TCB',
    `no TCB level of Intel's QE identity covers the QE's ISVSVN ${qe.isvSvn}: its TCB is not supported`,
    { expected: `ISVSVN >= ${Math.min(...id.tcbLevels.map((l) => l.isvSvn))}`, found: String(qe.isvSvn) },
  );
  requireAcceptedTcbStatus(
    level!.tcbStatus,
    level!.advisoryIds,
    options,
    'tdx.qe.tcb.status',
    'Quoting Enclave',
    checks,
  );
  return level!.tcbStatus;
}
