import { hexEncode } from '@blindbox/bytes';
import type { PckChain } from './check-pck-chain.js';
import type { TdxTcbAssessment } from './check-tcb-info.js';
import type { TcbStatus } from './parse-tcb-info.js';
import type { TdxQuote } from './parse-tdx-quote.js';

/** What Intel's collateral said, or that it was not consulted. */
export type TdxTcbClaims = { assessed: true; tdx: TdxTcbAssessment; qe: TcbStatus } | { assessed: false };

/** The quote's fields, for display and audit (JSON-safe). */
export function tdxClaims(quote: TdxQuote, chain: PckChain, tcb: TdxTcbClaims): Record<string, unknown> {
  const b = quote.body;
  const ext = chain.extensions;
  return {
    version: quote.version,
    teeTcbSvn: hexEncode(b.teeTcbSvn),
    mrSeam: hexEncode(b.mrSeam),
    mrSignerSeam: hexEncode(b.mrSignerSeam),
    seamAttributes: hexEncode(b.seamAttributes),
    tdAttributes: `0x${b.tdAttributes.toString(16).padStart(16, '0')}`,
    xfam: `0x${b.xfam.toString(16).padStart(16, '0')}`,
    mrTd: hexEncode(b.mrTd),
    mrConfigId: hexEncode(b.mrConfigId),
    mrOwner: hexEncode(b.mrOwner),
    mrOwnerConfig: hexEncode(b.mrOwnerConfig),
    rtmr0: hexEncode(b.rtmrs[0]),
    rtmr1: hexEncode(b.rtmrs[1]),
    rtmr2: hexEncode(b.rtmrs[2]),
    rtmr3: hexEncode(b.rtmrs[3]),
    reportData: hexEncode(b.reportData),
    qe: {
      mrEnclave: hexEncode(quote.qeReport.mrEnclave),
      mrSigner: hexEncode(quote.qeReport.mrSigner),
      isvProdId: quote.qeReport.isvProdId,
      isvSvn: quote.qeReport.isvSvn,
    },
    pck: {
      ca: chain.ca.subjectCommonName,
      fmspc: hexEncode(ext.fmspc),
      pceId: hexEncode(ext.pceId),
      ppid: hexEncode(ext.ppid),
      pceSvn: ext.pceSvn,
      sgxTcbComponents: ext.sgxTcbComponents,
    },
    tcbStatus: tcb.assessed ? tcb.tdx.status : 'NotAssessed',
    qeTcbStatus: tcb.assessed ? tcb.qe : 'NotAssessed',
    ...(tcb.assessed
      ? {
          tcbDate: tcb.tdx.tcbDate,
          advisoryIds: tcb.tdx.advisoryIds,
          ...(tcb.tdx.moduleStatus ? { tdxModuleTcbStatus: tcb.tdx.moduleStatus } : {}),
        }
      : {}),
  };
}
