import type { EvidencePolicy, TcbStatus, TdxPolicy } from '@blindbox/attestation';
import { TDX_TCB_STATUSES } from '@blindbox/protocol';
import { UsageError } from '../base-command.js';
import type { VerifyOptions } from './build-verify-options.js';
import type { TdxEvidenceVerifyRequest } from './evidence-verify-request.js';

/** The statuses a verifier may accept (Revoked never): the same list a release's `tdx.tcbStatus` takes. */
const TCB_STATUSES: readonly TcbStatus[] = TDX_TCB_STATUSES;

/** The collateral request fields and the flags they come from, for the --no-collateral conflict. */
const COLLATERAL_FLAGS = [
  ['tcbInfo', '--tcb-info'],
  ['tcbInfoChain', '--tcb-info-chain'],
  ['qeIdentity', '--qe-identity'],
  ['qeIdentityChain', '--qe-identity-chain'],
  ['pckCrl', '--pck-crl'],
  ['pckCrlChain', '--pck-crl-chain'],
  ['rootCrl', '--root-crl'],
] as const;

function hex48(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const clean = value.trim().toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{96}$/.test(clean)) throw new UsageError(`${name} must be 48 bytes of hex, got "${value}"`);
  return clean;
}

function statuses(values: readonly string[] | undefined): TcbStatus[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  for (const v of values) {
    if (!(TCB_STATUSES as readonly string[]).includes(v)) {
      throw new UsageError(
        `--accept-tcb-status takes one of ${TCB_STATUSES.join(', ')} (Revoked is never accepted), got "${v}"`,
      );
    }
  }
  return [...new Set<TcbStatus>(['UpToDate', ...(values as TcbStatus[])])];
}

/**
 * Intel TDX: the collateral files become the envelope's collateral keys; --no-collateral (which
 * conflicts with every collateral flag) verifies the quote and PCK chain only; --expect-measurement
 * and --expect-mrtd both pin MRTD.
 */
export function tdxOptions(
  req: TdxEvidenceVerifyRequest,
  policy: EvidencePolicy,
  measurement?: string,
): VerifyOptions {
  const given = COLLATERAL_FLAGS.filter(([key]) => req[key] !== undefined).map(([, flag]) => flag);
  if (req.noCollateral && given.length > 0) {
    throw new UsageError(
      `--no-collateral verifies without Intel's collateral; drop it or ${given.join(', ')}`,
    );
  }
  const mrtd = hex48(req.expectMrtd, '--expect-mrtd');
  const fromMeasurement = hex48(measurement, '--expect-measurement');
  if (mrtd && fromMeasurement && mrtd !== fromMeasurement) {
    throw new UsageError('--expect-mrtd and --expect-measurement name different MRTDs');
  }
  const mrConfigId = hex48(req.expectMrConfigId, '--expect-mrconfigid');
  const rtmrs: NonNullable<TdxPolicy['rtmrs']> = {};
  for (const [index, value] of Object.entries(req.expectRtmrs ?? {})) {
    const i = Number(index);
    if (![0, 1, 2, 3].includes(i)) throw new UsageError(`--expect-rtmr: there is no RTMR${i} (0–3)`);
    rtmrs[i as 0 | 1 | 2 | 3] = hex48(value, `--expect-rtmr ${i}`)!;
  }
  const accepted = statuses(req.acceptTcbStatus);
  policy.tdx = {
    ...(req.noCollateral ? { noCollateral: true } : {}),
    ...(req.allowTrailingBytes ? { allowTrailingBytes: true } : {}),
    ...(accepted ? { acceptedTcbStatuses: accepted } : {}),
    ...(mrtd || fromMeasurement ? { mrtd: [(mrtd ?? fromMeasurement)!] } : {}),
    ...(mrConfigId ? { mrConfigId: [mrConfigId] } : {}),
    ...(Object.keys(rtmrs).length > 0 ? { rtmrs } : {}),
  };
  const collateral: Record<string, unknown> = {};
  if (req.tcbInfo !== undefined) collateral['tcbInfo'] = req.tcbInfo;
  if (req.tcbInfoChain !== undefined) collateral['tcbInfoIssuerChain'] = req.tcbInfoChain;
  if (req.qeIdentity !== undefined) collateral['qeIdentity'] = req.qeIdentity;
  if (req.qeIdentityChain !== undefined) collateral['qeIdentityIssuerChain'] = req.qeIdentityChain;
  if (req.pckCrl !== undefined) collateral['pckCrl'] = req.pckCrl;
  if (req.pckCrlChain !== undefined) collateral['pckCrlIssuerChain'] = req.pckCrlChain;
  if (req.rootCrl !== undefined) collateral['rootCrl'] = req.rootCrl;
  return { collateral, policy };
}
