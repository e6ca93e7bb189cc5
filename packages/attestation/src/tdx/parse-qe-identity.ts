import {
  JsonFields,
  malformedCollateral,
  type SignedJson,
  splitSignedJson,
} from './parse-signed-collateral.js';
import { type TcbStatus, tcbStatus } from './parse-tcb-info.js';

/** One TCB level of the QE identity: status by the QE's ISVSVN. */
export interface QeTcbLevel {
  isvSvn: number;
  tcbDate: string;
  tcbStatus: TcbStatus;
  advisoryIds: string[];
}

/** Intel's TDX Quoting Enclave identity (PCS API v4 `GET /tdx/certification/v4/qe/identity`, version 2). */
export interface QeIdentity extends SignedJson {
  issueDate: Date;
  nextUpdate: Date;
  tcbEvaluationDataNumber: number;
  miscSelect: number;
  miscSelectMask: number;
  attributes: Uint8Array;
  attributesMask: Uint8Array;
  mrSigner: Uint8Array;
  isvProdId: number;
  tcbLevels: QeTcbLevel[];
}

const W = 'TDX QE identity';

function u32(bytes: Uint8Array): number {
  // miscselect is written as the u32's bytes in memory order (little-endian), as in the SGX REPORT.
  return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
}

/** Parses the QE identity as the PCS serves it (`{"enclaveIdentity":{…},"signature":"…"}`). */
export function parseQeIdentity(text: string): QeIdentity {
  const signed = splitSignedJson(text, 'enclaveIdentity', W);
  const f = JsonFields.of(signed.value, W);
  if (f.string('id') !== 'TD_QE')
    throw malformedCollateral(W, `id is "${f.string('id')}", not TD_QE (an SGX QE identity?)`);
  if (f.int('version') !== 2) throw malformedCollateral(W, `version ${f.int('version')}, expected 2`);
  const levels = f.array('tcbLevels').map((l) => {
    const lf = JsonFields.of(l, `${W} tcbLevel`);
    const advisoryIds = (lf.optionalArray('advisoryIDs') ?? []).map((a) => {
      if (typeof a !== 'string') throw malformedCollateral(W, 'advisoryIDs holds a non-string');
      return a;
    });
    return {
      isvSvn: lf.child('tcb').int('isvsvn', 0xffff),
      tcbDate: lf.date('tcbDate').toISOString(),
      tcbStatus: tcbStatus(lf),
      advisoryIds,
    };
  });
  if (levels.length === 0) throw malformedCollateral(W, 'no TCB levels');
  return {
    ...signed,
    issueDate: f.date('issueDate'),
    nextUpdate: f.date('nextUpdate'),
    tcbEvaluationDataNumber: f.int('tcbEvaluationDataNumber'),
    miscSelect: u32(f.hex('miscselect', 4)),
    miscSelectMask: u32(f.hex('miscselectMask', 4)),
    attributes: f.hex('attributes', 16),
    attributesMask: f.hex('attributesMask', 16),
    mrSigner: f.hex('mrsigner', 32),
    isvProdId: f.int('isvprodid', 0xffff),
    tcbLevels: levels,
  };
}
