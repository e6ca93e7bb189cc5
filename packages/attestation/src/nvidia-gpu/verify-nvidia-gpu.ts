import { equalBytes, hexEncode } from '@blindbox/bytes';
import { AttestationError } from '../attestation-error.js';
import type { Check } from '../verification-report.js';
import { CheckList, runChecks } from '../verifier/check-list.js';
import { type Certificate, decodePemCertificates, parseCertificate } from '../x509/parse-certificate.js';
import {
  type ChainLink,
  certificateFingerprint,
  verifyCertificateChain,
} from '../x509/verify-certificate-chain.js';
import { verifySignature } from '../x509/verify-signature.js';
import { compareGpuMeasurements } from './compare-gpu-measurements.js';
import { type GpuOpaqueClaims, readGpuOpaqueClaims } from './gpu-opaque-fields.js';
import { NVIDIA_ROOTS } from './nvidia-roots.js';
import { parseRim, type Rim } from './parse-rim.js';
import { parseSpdmMeasurements, type SpdmMeasurements } from './parse-spdm-measurements.js';
import { readCertificateFwid } from './read-certificate-fwid.js';
import { verifyRimSignature } from './verify-rim-signature.js';

/** What an NVIDIA GPU in confidential-computing mode returns when asked to attest. */
export interface NvidiaGpuEvidence {
  /** The attestation report: SPDM GET_MEASUREMENTS request ‖ response, raw bytes. */
  report: Uint8Array;
  /** The GPU's certificate chain, leaf first: PEM text or DER certificates. */
  certChain: string | readonly Uint8Array[];
}

/** What a GPU must satisfy. Every default is the safe one. */
export interface NvidiaGpuPolicy {
  /** Verification time. Default: now. */
  at?: Date;
  /** The 32-byte nonce the report must answer. Default: not checked (the report's nonce is returned). */
  expectedNonce?: Uint8Array;
  /** The driver's reference integrity manifest (SWID XML), required unless `noRims`. */
  driverRim?: string;
  /** The VBIOS's reference integrity manifest (SWID XML), required unless `noRims`. */
  vbiosRim?: string;
  /**
   * Check the report's signature, chain and nonce only, without comparing its measurements to RIMs:
   * the report then says `measurementsCompared: false`. Default: false (both RIMs are required).
   */
  noRims?: boolean;
  /** Driver versions accepted (as the report prints them, e.g. `550.90.07`). Default: any. */
  acceptedDriverVersions?: readonly string[];
  /** VBIOS versions accepted (e.g. `96.00.9f.00.01`). Default: any. */
  acceptedVbiosVersions?: readonly string[];
  /** Device identity roots accepted, SHA-256 of their DER. Default: NVIDIA's Device Identity CA. */
  deviceRootSha256?: readonly string[];
  /** RIM signing roots accepted, SHA-256 of their DER. Default: NVIDIA's CoRIM signing root. */
  rimRootSha256?: readonly string[];
}

/** What {@link verifyNvidiaGpuEvidence} returns for an accepted GPU. */
export interface GpuVerificationReport {
  platform: 'nvidia-gpu';
  architecture: 'hopper';
  driverVersion: string;
  vbiosVersion: string;
  /** The nonce the report answers, hex. */
  nonce: string;
  /** SHA-256 of the GPU's attestation certificate: tells devices apart (two GPUs never share one). */
  deviceCertificateSha256: string;
  /** Measurements by index (0-based, as RIMs number them), hex. */
  measurements: Record<number, string>;
  /** False only with `noRims`: the measurements were not compared with reference values. */
  measurementsCompared: boolean;
  checks: Check[];
  claims: Record<string, unknown>;
  verifiedAt: string;
}

function chainLinks(
  certChain: NvidiaGpuEvidence['certChain'],
  labels: (i: number, n: number) => string,
): ChainLink[] {
  const ders = typeof certChain === 'string' ? decodePemCertificates(certChain) : [...certChain];
  if (ders.length < 2) {
    throw new AttestationError(
      'ATTESTATION_MISSING_COLLATERAL',
      `a GPU certificate chain has ${ders.length} certificate(s), expected the leaf up to the root`,
    );
  }
  return ders.map((der, i) => ({ label: labels(i, ders.length), cert: parseCertificate(der) }));
}

const gpuLabel = (i: number, n: number) => (i === 0 ? 'attestation' : i === n - 1 ? 'root' : `ca${i}`);
const rimLabel = (i: number, n: number) => (i === 0 ? 'signer' : i === n - 1 ? 'root' : `ca${i}`);

/** Hopper's identity certificates name the GH100; no other architecture's evidence format is known here. */
function requireHopper(links: readonly ChainLink[], checks: CheckList): void {
  const names = links.map((l) => l.cert.subjectCommonName).join(' | ');
  checks.require(
    /\bGH100\b/.test(names),
    'gpu.architecture',
    'ATTESTATION_UNSUPPORTED',
    `the GPU certificate chain (${names}) is not a Hopper (GH100) chain; only Hopper evidence is supported`,
    { expected: 'GH100', found: names },
  );
}

async function checkReportSignature(
  spdm: SpdmMeasurements,
  leaf: Certificate,
  checks: CheckList,
): Promise<void> {
  const ok =
    leaf.publicKey.kind === 'ec' &&
    leaf.publicKey.curve === 'P-384' &&
    (await verifySignature(leaf.publicKey, { kind: 'ecdsa', hash: 'SHA-384' }, spdm.signed, spdm.signature));
  checks.require(
    ok,
    'gpu.signature',
    'ATTESTATION_BAD_SIGNATURE',
    'the GPU attestation report is not signed by the key of its attestation certificate (ECDSA P-384, SHA-384)',
  );
}

function checkFwid(leaf: Certificate, claims: GpuOpaqueClaims, checks: CheckList): void {
  // nvtrust compares them only when the report carries an FWID; so do we.
  if (claims.fwid === '') return;
  const certFwid = readCertificateFwid(leaf);
  checks.require(
    certFwid === claims.fwid,
    'gpu.fwid',
    'ATTESTATION_GPU_FWID_MISMATCH',
    'the firmware id in the report differs from the one in the GPU attestation certificate',
    { expected: certFwid ?? 'none', found: claims.fwid },
  );
}

function checkNonce(spdm: SpdmMeasurements, expected: Uint8Array | undefined, checks: CheckList): void {
  if (expected === undefined) return;
  checks.require(
    equalBytes(spdm.requestNonce, expected),
    'gpu.nonce',
    'ATTESTATION_NONCE_MISMATCH',
    'the GPU report answers another nonce: it is not fresh for this session',
    { expected: hexEncode(expected), found: hexEncode(spdm.requestNonce) },
  );
}

function checkVersion(
  name: string,
  found: string | undefined,
  accepted: readonly string[] | undefined,
  checks: CheckList,
): string {
  checks.require(
    found !== undefined,
    `gpu.${name}`,
    'ATTESTATION_MALFORMED_EVIDENCE',
    `the report's opaque data has no ${name}`,
  );
  if (accepted !== undefined) {
    checks.require(
      accepted.map((v) => v.toLowerCase()).includes(found!.toLowerCase()),
      `gpu.${name}`,
      'ATTESTATION_POLICY',
      `the GPU runs ${name} ${found}, which the policy does not accept`,
      { expected: accepted.join(','), found },
    );
  }
  return found!;
}

async function checkRim(
  xml: string,
  role: 'driver' | 'vbios',
  version: string,
  policy: NvidiaGpuPolicy,
  at: Date,
  checks: CheckList,
): Promise<Rim> {
  const rim = parseRim(xml, role);
  checks.pass(`gpu.${role}Rim.parse`, { found: rim.version });
  const links = chainLinks(rim.certificates, rimLabel);
  await verifyCertificateChain(links, {
    at,
    pinnedRootSha256: policy.rimRootSha256 ?? [NVIDIA_ROOTS.rimSigning],
    checks,
    prefix: `gpu.${role}Rim.chain`,
  });
  const signer = links[0]!.cert.publicKey;
  const ok =
    signer.kind === 'ec' && signer.curve === 'P-384' && (await verifyRimSignature(rim, signer.point));
  checks.require(
    ok,
    `gpu.${role}Rim.signature`,
    'ATTESTATION_GPU_RIM_SIGNATURE',
    `the ${role} RIM's XML signature does not verify with its signing certificate: it was altered or not signed by NVIDIA`,
  );
  checks.require(
    rim.version.toLowerCase() === version.toLowerCase(),
    `gpu.${role}Rim.version`,
    'ATTESTATION_GPU_RIM_VERSION_MISMATCH',
    `the ${role} RIM describes version ${rim.version}, but the GPU reports ${version}: use the RIM of the version it runs`,
    { expected: version, found: rim.version },
  );
  return rim;
}

async function verifyGpu(
  evidence: NvidiaGpuEvidence,
  policy: NvidiaGpuPolicy,
  checks: CheckList,
): Promise<GpuVerificationReport> {
  const at = policy.at ?? new Date();
  const spdm = parseSpdmMeasurements(evidence.report);
  checks.pass('gpu.report.parse', { found: `${spdm.blocks.length} measurement blocks` });
  const links = chainLinks(evidence.certChain, gpuLabel);
  requireHopper(links, checks);
  await verifyCertificateChain(links, {
    at,
    pinnedRootSha256: policy.deviceRootSha256 ?? [NVIDIA_ROOTS.deviceIdentity],
    checks,
    prefix: 'gpu.chain',
  });
  const leaf = links[0]!.cert;
  const claims = readGpuOpaqueClaims(spdm);
  await checkReportSignature(spdm, leaf, checks);
  checkFwid(leaf, claims, checks);
  checkNonce(spdm, policy.expectedNonce, checks);
  const driverVersion = checkVersion(
    'driverVersion',
    claims.driverVersion,
    policy.acceptedDriverVersions,
    checks,
  );
  const vbiosVersion = checkVersion(
    'vbiosVersion',
    claims.vbiosVersion,
    policy.acceptedVbiosVersions,
    checks,
  );
  if (!policy.noRims) {
    checks.require(
      policy.driverRim !== undefined && policy.vbiosRim !== undefined,
      'gpu.rims',
      'ATTESTATION_MISSING_COLLATERAL',
      'comparing GPU measurements needs both the driver RIM and the VBIOS RIM (or noRims, which leaves them unchecked)',
    );
    const driver = await checkRim(policy.driverRim!, 'driver', driverVersion, policy, at, checks);
    const vbios = await checkRim(policy.vbiosRim!, 'vbios', vbiosVersion, policy, at, checks);
    compareGpuMeasurements(spdm.blocks, driver, vbios, claims.nvdecDisabled, checks);
  }
  return {
    platform: 'nvidia-gpu',
    architecture: 'hopper',
    driverVersion,
    vbiosVersion,
    nonce: hexEncode(spdm.requestNonce),
    deviceCertificateSha256: certificateFingerprint(leaf),
    measurements: Object.fromEntries(spdm.blocks.map((b) => [b.index - 1, hexEncode(b.value)])),
    measurementsCompared: !policy.noRims,
    checks: [...checks.checks],
    claims: {
      ...claims,
      responderNonce: hexEncode(spdm.responderNonce),
      certificates: links.map((l) => l.cert.subjectCommonName),
    },
    verifiedAt: at.toISOString(),
  };
}

/**
 * Verifies an NVIDIA Hopper GPU's confidential-computing attestation in pure TypeScript: the report's
 * P-384 signature by the GPU's attestation key, that key's chain to NVIDIA's pinned device identity
 * root, the FWID the certificate and the report share, the nonce, and every active measurement
 * against the driver and VBIOS RIMs, themselves XML-signed by chains to NVIDIA's pinned RIM root and
 * matching the versions the GPU reports. These are the checks of NVIDIA's local verifier (nvtrust),
 * without its online OCSP queries (see docs/attestation.md). Throws {@link AttestationError} on rejection.
 */
export async function verifyNvidiaGpuEvidence(
  evidence: NvidiaGpuEvidence,
  policy: NvidiaGpuPolicy = {},
): Promise<GpuVerificationReport> {
  const checks = new CheckList();
  return runChecks(checks, 'gpu.evidence', () => verifyGpu(evidence, policy, checks));
}
