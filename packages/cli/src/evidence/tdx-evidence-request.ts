import { UsageError } from '../base-command.js';
import { readInputFile, readInputText } from '../read-input-file.js';
import type { EvidenceVerifyCommon, TdxEvidenceVerifyRequest } from './evidence-verify-request.js';

/** The `--platform tdx` flag values (see src/flags/tdx-flags.ts). */
export interface TdxFlagValues {
  'tcb-info'?: string | undefined;
  'tcb-info-chain'?: string | undefined;
  'qe-identity'?: string | undefined;
  'qe-identity-chain'?: string | undefined;
  'pck-crl'?: string | undefined;
  'pck-crl-chain'?: string | undefined;
  'root-crl'?: string | undefined;
  'no-collateral'?: boolean | undefined;
  'accept-tcb-status'?: string[] | undefined;
  'expect-mrtd'?: string | undefined;
  'expect-mrconfigid'?: string | undefined;
  'expect-rtmr'?: string[] | undefined;
  'allow-trailing-bytes'?: boolean | undefined;
}

/** Parses `--expect-rtmr N=<hex>` values into RTMR index → hex. */
function parseRtmrFlags(values: readonly string[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const v of values) {
    const m = /^([0-3])=(?:0x)?([0-9a-fA-F]+)$/.exec(v.trim());
    if (!m) throw new UsageError(`--expect-rtmr takes N=<hex> with N in 0–3, got "${v}"`);
    if (out[Number(m[1])] !== undefined) throw new UsageError(`--expect-rtmr: RTMR${m[1]} given twice`);
    out[Number(m[1])] = m[2]!.toLowerCase();
  }
  return out;
}

/** The TDX request: the collateral files read, the expected values as given. */
export function tdxEvidenceRequest(
  common: EvidenceVerifyCommon,
  flags: TdxFlagValues,
): TdxEvidenceVerifyRequest {
  const text = (name: keyof TdxFlagValues) => {
    const path = flags[name];
    return typeof path === 'string' ? readInputText(path, `--${name}`) : undefined;
  };
  const bytes = (name: keyof TdxFlagValues) => {
    const path = flags[name];
    return typeof path === 'string' ? readInputFile(path, `--${name}`) : undefined;
  };
  const fields = {
    tcbInfo: text('tcb-info'),
    tcbInfoChain: text('tcb-info-chain'),
    qeIdentity: text('qe-identity'),
    qeIdentityChain: text('qe-identity-chain'),
    pckCrl: bytes('pck-crl'),
    pckCrlChain: text('pck-crl-chain'),
    rootCrl: bytes('root-crl'),
    expectMrtd: flags['expect-mrtd'],
    expectMrConfigId: flags['expect-mrconfigid'],
    expectRtmrs: flags['expect-rtmr']?.length ? parseRtmrFlags(flags['expect-rtmr']) : undefined,
    acceptTcbStatus: flags['accept-tcb-status']?.length ? flags['accept-tcb-status'] : undefined,
  };
  const request: TdxEvidenceVerifyRequest = {
    platform: 'tdx',
    ...common,
    noCollateral: flags['no-collateral'] === true,
    allowTrailingBytes: flags['allow-trailing-bytes'] === true,
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (request as unknown as Record<string, unknown>)[key] = value;
  }
  return request;
}
