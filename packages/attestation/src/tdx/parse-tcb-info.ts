import {
  JsonFields,
  malformedCollateral,
  type SignedJson,
  splitSignedJson,
} from './parse-signed-collateral.js';

/** Intel's TCB statuses (Intel PCS API v4, "TCB Info" tcbStatus). */
export const TCB_STATUSES = [
  'UpToDate',
  'SWHardeningNeeded',
  'ConfigurationNeeded',
  'ConfigurationAndSWHardeningNeeded',
  'OutOfDate',
  'OutOfDateConfigurationNeeded',
  'Revoked',
] as const;
export type TcbStatus = (typeof TCB_STATUSES)[number];

/** One level of TDX TCB info (version 3). */
export interface TdxTcbLevel {
  sgxTcbComponents: number[];
  pceSvn: number;
  tdxTcbComponents: number[];
  tcbDate: string;
  tcbStatus: TcbStatus;
  advisoryIds: string[];
}

/** One TCB level of a TDX module identity: status by the module's ISVSVN (TEE_TCB_SVN[0]). */
export interface TdxModuleTcbLevel {
  isvSvn: number;
  tcbDate: string;
  tcbStatus: TcbStatus;
  advisoryIds: string[];
}

export interface TdxModuleIdentity {
  /** `TDX_<version>`, the version being TEE_TCB_SVN[1] in two hex digits. */
  id: string;
  mrSigner: Uint8Array;
  attributes: Uint8Array;
  attributesMask: Uint8Array;
  tcbLevels: TdxModuleTcbLevel[];
}

/** TDX TCB info (Intel PCS API v4 `GET /tdx/certification/v4/tcb`, tcbInfo version 3). */
export interface TdxTcbInfo extends SignedJson {
  issueDate: Date;
  nextUpdate: Date;
  fmspc: Uint8Array;
  pceId: Uint8Array;
  tcbEvaluationDataNumber: number;
  tdxModule: { mrSigner: Uint8Array; attributes: Uint8Array; attributesMask: Uint8Array };
  tdxModuleIdentities: TdxModuleIdentity[];
  tcbLevels: TdxTcbLevel[];
}

const W = 'TDX TCB info';

export function tcbStatus(f: JsonFields, key = 'tcbStatus'): TcbStatus {
  const s = f.string(key);
  if (!(TCB_STATUSES as readonly string[]).includes(s))
    throw malformedCollateral(f.what, `unknown TCB status "${s}"`);
  return s as TcbStatus;
}

function advisories(f: JsonFields): string[] {
  const list = f.optionalArray('advisoryIDs') ?? [];
  return list.map((a) => {
    if (typeof a !== 'string') throw malformedCollateral(f.what, 'advisoryIDs holds a non-string');
    return a;
  });
}

function components(f: JsonFields, key: string): number[] {
  const list = f.array(key);
  if (list.length !== 16) throw malformedCollateral(f.what, `${key} has ${list.length} entries, expected 16`);
  return list.map((c) => JsonFields.of(c, `${f.what}.${key}`).int('svn', 255));
}

function tcbLevel(value: unknown): TdxTcbLevel {
  const f = JsonFields.of(value, `${W} tcbLevel`);
  const tcb = f.child('tcb');
  return {
    sgxTcbComponents: components(tcb, 'sgxtcbcomponents'),
    pceSvn: tcb.int('pcesvn', 0xffff),
    tdxTcbComponents: components(tcb, 'tdxtcbcomponents'),
    tcbDate: f.date('tcbDate').toISOString(),
    tcbStatus: tcbStatus(f),
    advisoryIds: advisories(f),
  };
}

function moduleIdentity(value: unknown): TdxModuleIdentity {
  const f = JsonFields.of(value, `${W} tdxModuleIdentity`);
  return {
    id: f.string('id'),
    mrSigner: f.hex('mrsigner', 48),
    attributes: f.hex('attributes', 8),
    attributesMask: f.hex('attributesMask', 8),
    tcbLevels: f.array('tcbLevels').map((l) => {
      const lf = JsonFields.of(l, `${W} tdxModuleIdentity tcbLevel`);
      return {
        isvSvn: lf.child('tcb').int('isvsvn', 255),
        tcbDate: lf.date('tcbDate').toISOString(),
        tcbStatus: tcbStatus(lf),
        advisoryIds: advisories(lf),
      };
    }),
  };
}

/** Parses TDX TCB info as the PCS serves it (`{"tcbInfo":{…},"signature":"…"}`); the signature is checked elsewhere. */
export function parseTcbInfo(text: string): TdxTcbInfo {
  const signed = splitSignedJson(text, 'tcbInfo', W);
  const f = JsonFields.of(signed.value, W);
  if (f.string('id') !== 'TDX')
    throw malformedCollateral(W, `id is "${f.string('id')}", not TDX (SGX TCB info?)`);
  if (f.int('version') !== 3) throw malformedCollateral(W, `version ${f.int('version')}, expected 3`);
  // tcbType 0: the TCB components are compared as SVNs one by one (the only type Intel defines).
  if (f.int('tcbType') !== 0) throw malformedCollateral(W, `tcbType ${f.int('tcbType')}, expected 0`);
  const mod = f.child('tdxModule');
  const levels = f.array('tcbLevels').map(tcbLevel);
  if (levels.length === 0) throw malformedCollateral(W, 'no TCB levels');
  return {
    ...signed,
    issueDate: f.date('issueDate'),
    nextUpdate: f.date('nextUpdate'),
    fmspc: f.hex('fmspc', 6),
    pceId: f.hex('pceId', 2),
    tcbEvaluationDataNumber: f.int('tcbEvaluationDataNumber'),
    tdxModule: {
      mrSigner: mod.hex('mrsigner', 48),
      attributes: mod.hex('attributes', 8),
      attributesMask: mod.hex('attributesMask', 8),
    },
    tdxModuleIdentities: (f.optionalArray('tdxModuleIdentities') ?? []).map(moduleIdentity),
    tcbLevels: levels,
  };
}
