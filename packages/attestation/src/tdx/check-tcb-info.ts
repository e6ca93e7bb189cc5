import { equalBytes, hexEncode } from '@blindbox/bytes';
import type { CheckList } from '../verifier/check-list.js';
import type { PckChain } from './check-pck-chain.js';
import { checkSignedCollateral, requireAcceptedTcbStatus } from './check-signed-collateral.js';
import { findIsvSvnLevel, findTdxModuleIdentity, findTdxTcbLevel } from './match-tcb-level.js';
import type { TcbStatus } from './parse-tcb-info.js';
import type { TdxQuote } from './parse-tdx-quote.js';
import type { ResolvedTdxCollateral } from './resolve-tdx-collateral.js';
import type { TdxPolicy } from './tdx-options.js';

/** The platform's TDX TCB as Intel rates it. */
export interface TdxTcbAssessment {
  status: TcbStatus;
  tcbDate: string;
  advisoryIds: string[];
  /** The module identity's status, when TEE_TCB_SVN[1] > 0 selected one. */
  moduleStatus?: TcbStatus;
}

function masked(value: Uint8Array, mask: Uint8Array): Uint8Array {
  return value.map((b, i) => b & (mask[i] ?? 0));
}

/** The SEAM module is the one Intel's TCB info describes: MRSIGNERSEAM and masked SEAMATTRIBUTES. */
function checkSeamModule(
  quote: TdxQuote,
  module: { mrSigner: Uint8Array; attributes: Uint8Array; attributesMask: Uint8Array },
  name: string,
  checks: CheckList,
): void {
  const { mrSignerSeam, seamAttributes } = quote.body;
  const attributes = masked(seamAttributes, module.attributesMask);
  checks.require(
    equalBytes(mrSignerSeam, module.mrSigner) && equalBytes(attributes, module.attributes),
    name,
    'ATTESTATION_TCB',
    'the TDX module (MRSIGNERSEAM, SEAMATTRIBUTES) is not the one Intel’s TCB info describes',
    {
      expected: `${hexEncode(module.mrSigner)}/${hexEncode(module.attributes)}`,
      found: `${hexEncode(mrSignerSeam)}/${hexEncode(attributes)}`,
    },
  );
}

/**
 * Step 8, TCB info: signed by Intel and current (see checkSignedCollateral), for this platform
 * (FMSPC and PCE-ID of the PCK certificate), describing this TDX module; then the TCB level the
 * platform meets (PCK SGX components and PCESVN, the TD's TEE_TCB_SVN) and its status, which the
 * policy must accept (Intel TDX DCAP "TCB Info" evaluation; go-tdx-guest and QVL do the same).
 */
export async function checkTcbInfo(
  quote: TdxQuote,
  chain: PckChain,
  collateral: ResolvedTdxCollateral,
  options: TdxPolicy & { at: Date },
  checks: CheckList,
): Promise<TdxTcbAssessment> {
  const { tcbInfo } = collateral;
  const ext = chain.extensions;
  await checkSignedCollateral(
    tcbInfo,
    collateral.tcbInfoChain,
    collateral.rootCrl,
    { at: options.at, name: 'tdx.tcbInfo', what: 'TCB info' },
    checks,
  );
  checks.require(
    equalBytes(tcbInfo.fmspc, ext.fmspc) && equalBytes(tcbInfo.pceId, ext.pceId),
    'tdx.tcbInfo.platform',
    'ATTESTATION_COLLATERAL_MISMATCH',
    `the TCB info is for FMSPC ${hexEncode(tcbInfo.fmspc)}, PCE-ID ${hexEncode(tcbInfo.pceId)}; the PCK certificate is for FMSPC ${hexEncode(ext.fmspc)}, PCE-ID ${hexEncode(ext.pceId)}: fetch the TCB info for this FMSPC`,
    {
      expected: `${hexEncode(ext.fmspc)}/${hexEncode(ext.pceId)}`,
      found: `${hexEncode(tcbInfo.fmspc)}/${hexEncode(tcbInfo.pceId)}`,
    },
  );
  const teeTcbSvn = quote.body.teeTcbSvn;
  const platform = { sgxTcbComponents: ext.sgxTcbComponents, pceSvn: ext.pceSvn, teeTcbSvn };
  const level = findTdxTcbLevel(tcbInfo.tcbLevels, platform);
  const found = `sgx ${ext.sgxTcbComponents.join('.')} pcesvn ${ext.pceSvn} teeTcbSvn ${hexEncode(teeTcbSvn)}`;
  checks.require(
    level !== undefined,
    'tdx.tcb.level',
    'ATTESTATION_TCB',
    `no TCB level of Intel's TCB info (evaluation ${tcbInfo.tcbEvaluationDataNumber}) is met by this platform (${found}): its TCB is not supported`,
    { expected: `one of ${tcbInfo.tcbLevels.length} TCB levels`, found },
  );
  const tcb = level!;
  checks.pass('tdx.tcb.level.match', { found: `${tcb.tcbStatus} (${tcb.tcbDate})` });
  // Intel TDX DCAP "TCB Status Evaluation" step 4 (QVL checkTcbLevel: STATUS_TCB_INFO_MISMATCH): the
  // level's TDX component 1 is the TDX module's major version and must equal TEE_TCB_SVN[1].
  checks.require(
    tcb.tdxTcbComponents[1] === (teeTcbSvn[1] ?? 0),
    'tdx.tcb.level.moduleVersion',
    'ATTESTATION_COLLATERAL_MISMATCH',
    `the TCB level is for TDX module version ${tcb.tdxTcbComponents[1]}, the TD runs version ${teeTcbSvn[1]}: this TCB info does not describe this platform's configuration`,
    { expected: String(teeTcbSvn[1]), found: String(tcb.tdxTcbComponents[1]) },
  );
  const assessment: TdxTcbAssessment = {
    status: tcb.tcbStatus,
    tcbDate: tcb.tcbDate,
    advisoryIds: tcb.advisoryIds,
  };
  if ((teeTcbSvn[1] ?? 0) === 0) {
    checkSeamModule(quote, tcbInfo.tdxModule, 'tdx.tcbInfo.tdxModule', checks);
  } else {
    assessment.moduleStatus = checkModuleIdentity(quote, collateral, options, checks);
  }
  requireAcceptedTcbStatus(tcb.tcbStatus, tcb.advisoryIds, options, 'tdx.tcb.status', 'TDX platform', checks);
  return assessment;
}

/** TDX module ≥ 1.5: TEE_TCB_SVN[1] names a module identity, whose levels rate TEE_TCB_SVN[0]. */
function checkModuleIdentity(
  quote: TdxQuote,
  collateral: ResolvedTdxCollateral,
  policy: TdxPolicy,
  checks: CheckList,
): TcbStatus {
  const teeTcbSvn = quote.body.teeTcbSvn;
  const { id, identity } = findTdxModuleIdentity(collateral.tcbInfo.tdxModuleIdentities, teeTcbSvn);
  checks.require(
    identity !== undefined,
    'tdx.tcbInfo.tdxModuleIdentity',
    'ATTESTATION_TCB',
    `Intel's TCB info has no TDX module identity ${id} for this TD's module`,
    { expected: id, found: collateral.tcbInfo.tdxModuleIdentities.map((m) => m.id).join(',') || 'none' },
  );
  checkSeamModule(quote, identity!, 'tdx.tcbInfo.tdxModule', checks);
  const level = findIsvSvnLevel(identity!.tcbLevels, teeTcbSvn[0] ?? 0);
  checks.require(
    level !== undefined,
    'tdx.tcb.module.level',
    'ATTESTATION_TCB',
    `no TCB level of TDX module identity ${id} covers module SVN ${teeTcbSvn[0]}`,
    { found: String(teeTcbSvn[0]) },
  );
  requireAcceptedTcbStatus(
    level!.tcbStatus,
    level!.advisoryIds,
    policy,
    'tdx.tcb.module.status',
    `TDX module ${id}`,
    checks,
  );
  return level!.tcbStatus;
}
