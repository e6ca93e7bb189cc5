import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildAgentPolicy, type WorkloadSpec } from './agent-policy.js';

/** The TEE platform a Kata pod runs on, and how it binds the initdata. */
export type K8sPlatform = 'snp' | 'tdx';

/**
 * Each platform's initdata names the hash its binding field holds: SNP's HOST_DATA is 32 bytes
 * (SHA-256), TDX's MRCONFIGID 48 (SHA-384). Kata hashes the initdata document with its `algorithm`
 * and fits the digest to the field, so choosing the algorithm per platform makes the field exactly
 * the document's SHA-256 or SHA-384.
 */
const ALGORITHM = { snp: 'sha256', tdx: 'sha384' } as const;

/**
 * The CoCo initdata document (TOML, version 0.1.0) for one platform, byte for byte deterministic:
 * the agent policy that pins this workload. Kata passes it to the guest, which checks that its digest
 * equals HOST_DATA / MRCONFIGID before it enforces the policy.
 */
export function buildInitdata(spec: WorkloadSpec, platform: K8sPlatform): string {
  const policy = buildAgentPolicy(spec);
  return [
    `algorithm = "${ALGORITHM[platform]}"`,
    'version = "0.1.0"',
    '',
    '[data]',
    `"policy.rego" = '''`,
    `${policy}'''`,
    '',
  ].join('\n');
}

/** The value the hardware reports for this initdata: SHA-256 (SNP host_data) or SHA-384 (TDX MRCONFIGID), hex. */
export function initdataDigest(initdata: string, platform: K8sPlatform): string {
  return createHash(ALGORITHM[platform]).update(initdata, 'utf8').digest('hex');
}

/**
 * The pod annotation value Kata reads (`io.katacontainers.config.hypervisor.cc_init_data`): base64 of
 * the gzip of the document. The gzip header is fixed (no name, mtime 0, OS byte 255), so the same
 * document always gives the same annotation.
 */
export function initdataAnnotation(initdata: string): string {
  const gz = gzipSync(Buffer.from(initdata, 'utf8'), { level: 9 });
  gz[9] = 0xff; // RFC 1952 §2.3.1: OS = unknown, instead of the build machine's
  return gz.toString('base64');
}

/** The release measurements a Kata deployment of this workload is checked against. */
export function k8sMeasurements(spec: WorkloadSpec): { 'snp.hostData': string; 'tdx.mrConfigId': string } {
  return {
    'snp.hostData': initdataDigest(buildInitdata(spec, 'snp'), 'snp'),
    'tdx.mrConfigId': initdataDigest(buildInitdata(spec, 'tdx'), 'tdx'),
  };
}
