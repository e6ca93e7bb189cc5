import { readFileSync } from 'node:fs';
import { BuildError } from './build-error.js';
import { AciDeployError, readCcePolicy } from './deploy-aci/index.js';
import { k8sMeasurements, type WorkloadSpec } from './deploy-k8s/index.js';
import { projectFilePath } from './read-app-config.js';
import type { PlatformConfig } from './read-platform-config.js';

/**
 * The release values of the platforms the app is configured for (`platforms` in
 * `blindbox.config.json`), keyed as the release records them (`RELEASE_VALUES` of
 * `@blindbox/protocol`): the vendor's reference values as given, and what the build derives from
 * the image: the Kata initdata's digests (HOST_DATA, MRCONFIGID) and the hash of an ACI ccePolicy.
 * Empty without `platforms`, so that such a release stays what it was.
 */
export function platformMeasurements(
  platforms: PlatformConfig | undefined,
  context: { projectDir: string; workload: WorkloadSpec },
): Record<string, string> {
  if (platforms === undefined) return {};
  let initdata: ReturnType<typeof k8sMeasurements> | undefined;
  const k8s = (key: 'snp.hostData' | 'tdx.mrConfigId') => {
    initdata ??= k8sMeasurements(context.workload);
    return initdata[key];
  };
  return {
    ...(platforms['sev-snp'] ? snpValues(platforms['sev-snp'], context.projectDir, k8s) : {}),
    ...(platforms.tdx ? tdxValues(platforms.tdx, k8s) : {}),
    ...(platforms.nitro ? nitroValues(platforms.nitro) : {}),
  };
}

type InitdataDigest = (key: 'snp.hostData' | 'tdx.mrConfigId') => string;

function snpValues(
  snp: NonNullable<PlatformConfig['sev-snp']>,
  projectDir: string,
  k8s: InitdataDigest,
): Record<string, string> {
  const out: Record<string, string> = { 'sev-snp': snp.measurement };
  if (snp.guestPolicy !== undefined) out['snp.guestPolicy'] = snp.guestPolicy;
  if (snp.minTcb !== undefined) out['snp.minTcb'] = snp.minTcb;
  const host = snp.hostData;
  if (host && 'k8sInitdata' in host) out['snp.hostData'] = k8s('snp.hostData');
  else if (host && 'aciPolicy' in host) out['snp.hostData'] = aciHostData(projectDir, host);
  else if (host) out['snp.hostData'] = host.value;
  return out;
}

function tdxValues(tdx: NonNullable<PlatformConfig['tdx']>, k8s: InitdataDigest): Record<string, string> {
  const out: Record<string, string> = { tdx: tdx.mrtd };
  for (const [i, value] of Object.entries(tdx.rtmr)) out[`tdx.rtmr${i}`] = value;
  const config = tdx.mrConfigId;
  if (config && 'k8sInitdata' in config) out['tdx.mrConfigId'] = k8s('tdx.mrConfigId');
  else if (config) out['tdx.mrConfigId'] = config.value;
  if (tdx.tcbStatus !== undefined) out['tdx.tcbStatus'] = tdx.tcbStatus.join(',');
  return out;
}

/** PCR0 is keyed `nitro` (the launch measurement), the others `nitro.pcrN`. */
function nitroValues(pcrs: NonNullable<PlatformConfig['nitro']>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, value] of Object.entries(pcrs)) {
    if (value !== undefined) out[i === '0' ? 'nitro' : `nitro.pcr${i}`] = value;
  }
  return out;
}

/** SHA-256 of the decoded ccePolicy in the project (what ACI's SEV-SNP reports as HOST_DATA). */
function aciHostData(projectDir: string, source: { aciPolicy: string; insecureAllowExec: boolean }): string {
  const path = source.aciPolicy;
  const file = projectFilePath(projectDir, path, 'platforms.sev-snp.hostData.aciPolicy');
  try {
    // A policy that lets the host exec in would make every client accept a readable enclave.
    return readCcePolicy(readFileSync(file, 'utf8'), { insecureAllowExec: source.insecureAllowExec })
      .hostData;
  } catch (err) {
    if (err instanceof AciDeployError) {
      throw new BuildError(
        'BUILD_BAD_OPTIONS',
        `blindbox.config.json: platforms.sev-snp.hostData.aciPolicy (${path}): ${err.message}`,
      );
    }
    throw err;
  }
}
