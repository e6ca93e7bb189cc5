import type { VerificationReport } from '@blindbox/attestation';
import { LAUNCH_VALUES, RELEASE_VALUES, type ReleasePlatform, releaseKeyPlatform } from '@blindbox/protocol';

/** One release value compared with verified evidence. */
export interface ComparedValue {
  /** The release key, e.g. `snp.hostData`. */
  key: string;
  /** The evidence field, e.g. `HOST_DATA`. */
  field: string;
  /** What the release requires (for `snp.minTcb` a minimum, for `tdx.tcbStatus` a list). */
  expected: string;
  /** What the evidence says (`(absent)` when it does not carry the field). */
  found: string;
  ok: boolean;
}

/** How verified evidence compares with one release's values. */
export type ReleaseComparison =
  | { verdict: 'accepted'; compared: ComparedValue[] }
  /** Every value the release pins for this platform was compared; at least one differs. */
  | { verdict: 'mismatch'; compared: ComparedValue[]; failed: ComparedValue }
  /** The release pins nothing for the evidence's platform. */
  | { verdict: 'platform-not-listed'; listed: ReleasePlatform[] }
  /** The release cannot be checked: a value of this platform is unknown or malformed, or no launch value is pinned. */
  | { verdict: 'unusable'; reason: string };

const TCB_PARTS = [
  ['bl', 'bootloader'],
  ['tee', 'tee'],
  ['snp', 'snp'],
  ['ucode', 'microcode'],
  ['fmc', 'fmc'],
] as const;

type Tcb = Partial<Record<(typeof TCB_PARTS)[number][1], number>>;

function tcbText(tcb: Tcb): string {
  return TCB_PARTS.filter(([, name]) => tcb[name] !== undefined)
    .map(([short, name]) => `${short}=${tcb[name]}`)
    .join(' ');
}

/** Every component of `found` at least the minimum's (a component the minimum names must be present). */
function tcbAtLeast(minimum: string, found: Tcb): boolean {
  return minimum.split(' ').every((part) => {
    const [short, value] = part.split('=');
    const name = TCB_PARTS.find(([s]) => s === short)?.[1];
    const have = name === undefined ? undefined : found[name];
    return have !== undefined && have >= Number(value);
  });
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The evidence's value for a release key, in the release's text form. */
function evidenceValue(report: VerificationReport, key: string): string | undefined {
  const claims = report.claims;
  if (key === report.platform) return report.measurement;
  if (key === 'snp.hostData') return report.hostData;
  if (key === 'snp.guestPolicy') return str(claims['policy']);
  if (key === 'snp.minTcb') {
    const tcb = claims['tcb'];
    return typeof tcb === 'object' && tcb !== null ? tcbText(tcb as Tcb) : undefined;
  }
  if (key === 'tdx.mrConfigId') return str(claims['mrConfigId']);
  if (key === 'tdx.tcbStatus') return str(claims['tcbStatus']);
  const rtmr = /^tdx\.rtmr([0-3])$/.exec(key);
  if (rtmr) return str(claims[`rtmr${rtmr[1]}`]);
  const pcr = /^nitro\.pcr(\d+)$/.exec(key);
  if (pcr) return report.pcrs?.[Number(pcr[1])];
  return undefined;
}

function compareOne(report: VerificationReport, key: string, expected: string): ComparedValue {
  const spec = RELEASE_VALUES[key] as NonNullable<(typeof RELEASE_VALUES)[string]>;
  const found = evidenceValue(report, key);
  let ok: boolean;
  if (found === undefined) ok = false;
  else if (spec.compare === 'at-least') {
    const tcb = report.claims['tcb'];
    ok = typeof tcb === 'object' && tcb !== null && tcbAtLeast(expected, tcb as Tcb);
  } else if (spec.compare === 'one-of') ok = expected.split(',').includes(found);
  else ok = found.toLowerCase() === expected;
  return { key, field: spec.field, expected, found: found ?? '(absent)', ok };
}

/** Hex and policy values are compared in lowercase; TCB text and status names as written. */
function normalized(key: string, value: string): string {
  return key === 'snp.minTcb' || key === 'tdx.tcbStatus' ? value.trim() : value.trim().toLowerCase();
}

/**
 * Compares verified evidence with the values one release pins for the evidence's platform: every
 * one must match (the launch measurement, and for SEV-SNP host data, guest policy and minimum TCB;
 * for TDX MRCONFIGID, RTMRs and TCB status; for Nitro each pinned PCR). Values of other platforms
 * and keys no TEE reports (`oci.imageDigest`) are not compared. Fails closed: a value of this
 * platform the client does not know, a malformed one, or a release without a launch value
 * (measurement, or for Nitro PCR0 or PCR8) makes the release unusable, never ignored.
 */
export function compareReleaseValues(
  report: VerificationReport,
  measurements: Readonly<Record<string, unknown>>,
): ReleaseComparison {
  const mine: [string, string][] = [];
  const listed = new Set<ReleasePlatform>();
  for (const [key, value] of Object.entries(measurements)) {
    const platform = releaseKeyPlatform(key);
    if (platform === undefined) continue;
    listed.add(platform);
    if (platform !== report.platform) continue;
    if (RELEASE_VALUES[key] === undefined) {
      return {
        verdict: 'unusable',
        reason: `it pins ${key}, which this client cannot check (update @blindbox/client)`,
      };
    }
    const text = typeof value === 'string' ? normalized(key, value) : undefined;
    const spec = RELEASE_VALUES[key] as NonNullable<(typeof RELEASE_VALUES)[string]>;
    if (text === undefined || !spec.format.test(text)) {
      return {
        verdict: 'unusable',
        reason: `its ${key} is ${JSON.stringify(value)}, not of the form ${spec.format.source}`,
      };
    }
    mine.push([key, text]);
  }
  if (mine.length === 0) return { verdict: 'platform-not-listed', listed: [...listed].sort() };
  const launch = LAUNCH_VALUES[report.platform as ReleasePlatform] ?? [report.platform];
  if (!mine.some(([key]) => launch.includes(key))) {
    return {
      verdict: 'unusable',
      reason: `it pins ${report.platform} values but none of ${launch.join(' or ')}, which say what the TEE runs`,
    };
  }
  // Launch value first: it is what a reader looks for.
  mine.sort(([a], [b]) => Number(launch.includes(b)) - Number(launch.includes(a)) || (a < b ? -1 : 1));
  const compared = mine.map(([key, expected]) => compareOne(report, key, expected));
  const failed = compared.find((c) => !c.ok);
  return failed ? { verdict: 'mismatch', compared, failed } : { verdict: 'accepted', compared };
}

/**
 * Every value a release could pin for this evidence, read from it (release key → value): what a
 * vendor copies into `platforms` of `blindbox.config.json` after checking it on hardware it trusts,
 * and what `blindbox verify` prints.
 */
export function evidenceReleaseValues(report: VerificationReport): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, spec] of Object.entries(RELEASE_VALUES)) {
    if (spec.platform !== report.platform) continue;
    const value = evidenceValue(report, key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
