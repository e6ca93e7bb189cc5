/**
 * The values a release's `measurements` may pin, per TEE platform: the names, what each one is in
 * the hardware's evidence, and the exact text form. The build writes them, the client checks every
 * one of them against verified evidence (docs/design.md, "Measurements and releases"); this is
 * their one definition.
 */

/** A platform whose evidence a release can pin values for (the attestation verifiers' names). */
export type ReleasePlatform = 'simulated' | 'sev-snp' | 'tdx' | 'nitro';

/** How one value is written in a release. */
export interface ReleaseValueSpec {
  platform: ReleasePlatform;
  /** The evidence field, as the platform's documentation names it. */
  field: string;
  /** The exact text form (lowercase hex, a status list, …). */
  format: RegExp;
  /** How the evidence is compared: equal, at least (TCB), or one of (TCB status). */
  compare: 'equal' | 'at-least' | 'one-of';
}

const hex = (bytes: number) => new RegExp(`^[0-9a-f]{${bytes * 2}}$`);

/** The TDX TCB statuses a release (or `blindbox evidence verify --accept-tcb-status`) may accept: Intel's TCB info v3 names, Revoked never. */
export const TDX_TCB_STATUSES = [
  'UpToDate',
  'SWHardeningNeeded',
  'ConfigurationNeeded',
  'ConfigurationAndSWHardeningNeeded',
  'OutOfDate',
  'OutOfDateConfigurationNeeded',
] as const;

const statusList = new RegExp(`^(${TDX_TCB_STATUSES.join('|')})(,(${TDX_TCB_STATUSES.join('|')}))*$`);

/** `bl=3 tee=0 snp=8 ucode=115`, Turin adds ` fmc=N`: the form SEV-SNP TCBs are printed in. */
export const SNP_TCB_FORMAT = /^bl=\d{1,3} tee=\d{1,3} snp=\d{1,3} ucode=\d{1,3}( fmc=\d{1,3})?$/;

const pcrs = Object.fromEntries(
  Array.from({ length: 31 }, (_, i) => i + 1).map((i) => [
    `nitro.pcr${i}`,
    { platform: 'nitro', field: `PCR${i}`, format: hex(48), compare: 'equal' } satisfies ReleaseValueSpec,
  ]),
);

/**
 * Every value a release may pin. A platform's launch measurement is keyed by the platform's name
 * (`sev-snp`, `tdx`, `nitro`, `simulated`); its other values by a prefix (`snp.`, `tdx.`, `nitro.`).
 */
export const RELEASE_VALUES: Readonly<Record<string, ReleaseValueSpec>> = {
  simulated: { platform: 'simulated', field: 'measurement', format: hex(48), compare: 'equal' },
  'sev-snp': { platform: 'sev-snp', field: 'MEASUREMENT', format: hex(48), compare: 'equal' },
  'snp.hostData': { platform: 'sev-snp', field: 'HOST_DATA', format: hex(32), compare: 'equal' },
  'snp.guestPolicy': {
    platform: 'sev-snp',
    field: 'POLICY',
    format: /^0x(0|[1-9a-f][0-9a-f]{0,15})$/,
    compare: 'equal',
  },
  'snp.minTcb': { platform: 'sev-snp', field: 'REPORTED_TCB', format: SNP_TCB_FORMAT, compare: 'at-least' },
  tdx: { platform: 'tdx', field: 'MRTD', format: hex(48), compare: 'equal' },
  'tdx.mrConfigId': { platform: 'tdx', field: 'MRCONFIGID', format: hex(48), compare: 'equal' },
  'tdx.rtmr0': { platform: 'tdx', field: 'RTMR0', format: hex(48), compare: 'equal' },
  'tdx.rtmr1': { platform: 'tdx', field: 'RTMR1', format: hex(48), compare: 'equal' },
  'tdx.rtmr2': { platform: 'tdx', field: 'RTMR2', format: hex(48), compare: 'equal' },
  'tdx.rtmr3': { platform: 'tdx', field: 'RTMR3', format: hex(48), compare: 'equal' },
  'tdx.tcbStatus': { platform: 'tdx', field: 'TCB status', format: statusList, compare: 'one-of' },
  nitro: { platform: 'nitro', field: 'PCR0', format: hex(48), compare: 'equal' },
  ...pcrs,
};

/** The prefix of a platform's secondary values (the launch measurement is keyed by the platform itself). */
const PREFIX: Readonly<Record<ReleasePlatform, string | undefined>> = {
  simulated: undefined,
  'sev-snp': 'snp.',
  tdx: 'tdx.',
  nitro: 'nitro.',
};

/**
 * The platform a release key belongs to, known or not (`snp.foo` is SEV-SNP's, unknown: a client
 * must refuse rather than ignore it). `undefined` for keys no TEE reports (`oci.imageDigest`).
 */
export function releaseKeyPlatform(key: string): ReleasePlatform | undefined {
  const known = RELEASE_VALUES[key];
  if (known) return known.platform;
  for (const [platform, prefix] of Object.entries(PREFIX)) {
    if (prefix !== undefined && key.startsWith(prefix)) return platform as ReleasePlatform;
  }
  return undefined;
}

/**
 * The values that identify what a platform runs, of which a release must pin at least one before
 * its other values mean anything: the launch measurement, and for Nitro alternatively PCR8 (the
 * certificate that signed the enclave image: every image that key signed).
 */
export const LAUNCH_VALUES: Readonly<Record<ReleasePlatform, readonly string[]>> = {
  simulated: ['simulated'],
  'sev-snp': ['sev-snp'],
  tdx: ['tdx'],
  nitro: ['nitro', 'nitro.pcr8'],
};
