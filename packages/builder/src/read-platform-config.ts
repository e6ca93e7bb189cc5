import { RELEASE_VALUES, TDX_TCB_STATUSES } from '@blindbox/protocol';
import { BuildError } from './build-error.js';

/** Where SEV-SNP's HOST_DATA comes from: the Kata initdata of `deploy k8s`, ACI's ccePolicy, or a fixed value. */
export type HostDataSource =
  | { k8sInitdata: true }
  /** `insecureAllowExec`: accept a policy that lets the host exec into the container (test deployments only). */
  | { aciPolicy: string; insecureAllowExec: boolean }
  | { value: string };

/** Where TDX's MRCONFIGID comes from: the Kata initdata of `deploy k8s`, or a fixed value. */
export type ConfigIdSource = { k8sInitdata: true } | { value: string };

/**
 * `platforms` of `blindbox.config.json`: the reference values a vendor supplies for each TEE it
 * deploys on (never taken from a server), and where the values the build derives come from.
 * Every value ends up in the release's `measurements`, and a client requires all of them.
 */
export interface PlatformConfig {
  'sev-snp'?: {
    /** The guest's launch MEASUREMENT (from `blindbox measure snp` over its firmware, kernel, initrd). */
    measurement: string;
    hostData?: HostDataSource;
    /** The exact guest POLICY the VMM launches with, e.g. `0x30000`. */
    guestPolicy?: string;
    /** The lowest REPORTED_TCB accepted, `bl=N tee=N snp=N ucode=N`. */
    minTcb?: string;
  };
  tdx?: {
    /** MRTD: the TD's firmware (TDVF) as measured at build of the TD. */
    mrtd: string;
    /** RTMR0..3 where pinned (firmware configuration, kernel and command line, initrd, runtime). */
    rtmr: Partial<Record<0 | 1 | 2 | 3, string>>;
    mrConfigId?: ConfigIdSource;
    /** TCB statuses accepted, e.g. `["UpToDate"]`. */
    tcbStatus?: string[];
  };
  /** PCR index → value; PCR0 or PCR8 is required. */
  nitro?: Partial<Record<number, string>>;
}

const bad = (path: string, why: string) =>
  new BuildError('BUILD_BAD_OPTIONS', `blindbox.config.json: platforms${path ? `.${path}` : ''} ${why}`);

function object(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad(path, 'must be an object');
  for (const key of Object.keys(value)) {
    if (!keys.includes(key))
      throw bad(path, `has an unknown key ${JSON.stringify(key)} (known: ${keys.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

/** A value in the exact form the release records (lowercase hex, …), checked against the release format. */
function releaseValue(value: unknown, path: string, releaseKey: string): string {
  const format = (RELEASE_VALUES[releaseKey] as { format: RegExp }).format;
  const text = typeof value === 'string' ? value.trim() : undefined;
  const normalized = releaseKey === 'snp.minTcb' ? text : text?.toLowerCase();
  if (normalized === undefined || !format.test(normalized)) {
    throw bad(path, `must match ${format.source}, got ${JSON.stringify(value)}`);
  }
  return normalized;
}

function hostData(value: unknown): HostDataSource {
  if (value === 'k8s') return { k8sInitdata: true };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = object(value, 'sev-snp.hostData', ['aciPolicy', 'insecureAllowExec']);
    if (typeof v['aciPolicy'] !== 'string' || v['aciPolicy'] === '') {
      throw bad(
        'sev-snp.hostData.aciPolicy',
        'must be the path of the ccePolicy file (az confcom acipolicygen output)',
      );
    }
    if (v['insecureAllowExec'] !== undefined && typeof v['insecureAllowExec'] !== 'boolean') {
      throw bad('sev-snp.hostData.insecureAllowExec', 'must be true or false');
    }
    return { aciPolicy: v['aciPolicy'], insecureAllowExec: v['insecureAllowExec'] === true };
  }
  return { value: releaseValue(value, 'sev-snp.hostData', 'snp.hostData') };
}

function snp(value: unknown): NonNullable<PlatformConfig['sev-snp']> {
  const v = object(value, 'sev-snp', ['measurement', 'hostData', 'guestPolicy', 'minTcb']);
  if (v['measurement'] === undefined) {
    throw bad('sev-snp.measurement', 'is required: the launch measurement is what says which guest runs');
  }
  return {
    measurement: releaseValue(v['measurement'], 'sev-snp.measurement', 'sev-snp'),
    ...(v['hostData'] !== undefined ? { hostData: hostData(v['hostData']) } : {}),
    ...(v['guestPolicy'] !== undefined
      ? { guestPolicy: releaseValue(v['guestPolicy'], 'sev-snp.guestPolicy', 'snp.guestPolicy') }
      : {}),
    ...(v['minTcb'] !== undefined
      ? { minTcb: releaseValue(v['minTcb'], 'sev-snp.minTcb', 'snp.minTcb') }
      : {}),
  };
}

function tdx(value: unknown): NonNullable<PlatformConfig['tdx']> {
  const v = object(value, 'tdx', ['mrtd', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3', 'mrConfigId', 'tcbStatus']);
  if (v['mrtd'] === undefined)
    throw bad('tdx.mrtd', 'is required: MRTD is what says which firmware the TD runs');
  const rtmr: Partial<Record<0 | 1 | 2 | 3, string>> = {};
  for (const i of [0, 1, 2, 3] as const) {
    if (v[`rtmr${i}`] !== undefined) rtmr[i] = releaseValue(v[`rtmr${i}`], `tdx.rtmr${i}`, `tdx.rtmr${i}`);
  }
  const statuses = v['tcbStatus'];
  if (
    statuses !== undefined &&
    (!Array.isArray(statuses) ||
      statuses.length === 0 ||
      statuses.some((s) => !(TDX_TCB_STATUSES as readonly unknown[]).includes(s)))
  ) {
    throw bad('tdx.tcbStatus', `must be a non-empty list of ${TDX_TCB_STATUSES.join(', ')}`);
  }
  const configId = v['mrConfigId'];
  return {
    mrtd: releaseValue(v['mrtd'], 'tdx.mrtd', 'tdx'),
    rtmr,
    ...(configId === 'k8s'
      ? { mrConfigId: { k8sInitdata: true } }
      : configId !== undefined
        ? { mrConfigId: { value: releaseValue(configId, 'tdx.mrConfigId', 'tdx.mrConfigId') } }
        : {}),
    ...(statuses !== undefined ? { tcbStatus: statuses as string[] } : {}),
  };
}

function nitro(value: unknown): NonNullable<PlatformConfig['nitro']> {
  const keys = Array.from({ length: 32 }, (_, i) => `pcr${i}`);
  const v = object(value, 'nitro', keys);
  if (v['pcr0'] === undefined && v['pcr8'] === undefined) {
    throw bad('nitro', 'must pin pcr0 (the whole enclave image) or pcr8 (the certificate that signed it)');
  }
  const pcrs: Partial<Record<number, string>> = {};
  for (const [key, pcr] of Object.entries(v)) {
    const i = Number(key.slice(3));
    pcrs[i] = releaseValue(pcr, `nitro.${key}`, i === 0 ? 'nitro' : `nitro.pcr${i}`);
  }
  return pcrs;
}

/** Parses `platforms`; every mistake is a BuildError naming the key. */
export function readPlatformConfig(raw: unknown): PlatformConfig {
  const v = object(raw, '', ['sev-snp', 'tdx', 'nitro']);
  return {
    ...(v['sev-snp'] !== undefined ? { 'sev-snp': snp(v['sev-snp']) } : {}),
    ...(v['tdx'] !== undefined ? { tdx: tdx(v['tdx']) } : {}),
    ...(v['nitro'] !== undefined ? { nitro: nitro(v['nitro']) } : {}),
  };
}
