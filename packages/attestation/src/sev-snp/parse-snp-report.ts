import { AttestationError } from '../attestation-error.js';

/** Size of ATTESTATION_REPORT in every version (AMD SEV-SNP ABI spec, "ATTESTATION_REPORT Structure"). */
export const SNP_REPORT_LENGTH = 1184;
/** The signature covers bytes 0x000–0x29F. */
export const SNP_SIGNED_LENGTH = 0x2a0;

/** Which key signed the report (report offset 0x48 bits 4:2, SIGNING_KEY). */
export type SnpSigningKey = 'vcek' | 'vlek';

/** A parsed SEV-SNP attestation report (report versions 2, 3 and 5). */
export interface SnpReport {
  version: number;
  guestSvn: number;
  /** Guest policy (offset 0x08). */
  policy: bigint;
  familyId: Uint8Array;
  imageId: Uint8Array;
  vmpl: number;
  signatureAlgorithm: number;
  /** TCB_VERSION values as the raw 8 bytes (layout depends on the product: see decodeTcb). */
  currentTcb: Uint8Array;
  platformInfo: bigint;
  authorKeyEn: boolean;
  maskChipKey: boolean;
  signingKey: SnpSigningKey;
  reportData: Uint8Array;
  measurement: Uint8Array;
  hostData: Uint8Array;
  idKeyDigest: Uint8Array;
  authorKeyDigest: Uint8Array;
  reportId: Uint8Array;
  reportIdMa: Uint8Array;
  reportedTcb: Uint8Array;
  /** CPUID family/model/stepping (version ≥ 3; zero in version 2). */
  cpuidFamily: number;
  cpuidModel: number;
  cpuidStepping: number;
  chipId: Uint8Array;
  committedTcb: Uint8Array;
  currentVersion: string;
  committedVersion: string;
  launchTcb: Uint8Array;
  /** Version 5 only. */
  launchMitVector?: bigint;
  currentMitVector?: bigint;
  /** ECDSA P-384 r and s, big-endian, 48 bytes each. */
  signatureR: Uint8Array;
  signatureS: Uint8Array;
  /** Bytes 0x000–0x29F: what the signature covers. */
  signed: Uint8Array;
}

/** Guest policy bits (SEV-SNP ABI spec, "Guest Policy Structure"). */
export const SNP_POLICY = {
  SMT: 1n << 16n,
  RESERVED_ONE: 1n << 17n,
  MIGRATE_MA: 1n << 18n,
  DEBUG: 1n << 19n,
  SINGLE_SOCKET: 1n << 20n,
  /** Bits 63:26 are reserved and must be zero. */
  RESERVED_MASK: ~((1n << 26n) - 1n) & 0xffff_ffff_ffff_ffffn,
} as const;

/** PLATFORM_INFO bits (SEV-SNP ABI spec, "PLATFORM_INFO Field"). */
export const SNP_PLATFORM_INFO = { SMT_EN: 1n << 0n, TSME_EN: 1n << 1n } as const;

const SUPPORTED_VERSIONS = new Set([2, 3, 5]);

function malformed(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `SEV-SNP report: ${why}`);
}

function requireZero(bytes: Uint8Array, from: number, to: number, field: string): void {
  for (let i = from; i < to; i++) {
    if (bytes[i] !== 0) throw malformed(`reserved bytes ${field} (0x${from.toString(16)}) are not zero`);
  }
}

/** Little-endian field to big-endian bytes. */
function reversed(bytes: Uint8Array): Uint8Array {
  return bytes.slice().reverse();
}

/**
 * Parses an SEV-SNP ATTESTATION_REPORT (SEV-SNP ABI spec rev 1.57, Table 23 "ATTESTATION_REPORT
 * Structure"). Strict: exactly 1184 bytes, a known version, signature algorithm 1 (ECDSA P-384 with
 * SHA-384), and every reserved field zero, so that no byte outside the signed area can change
 * without the report being rejected.
 */
export function parseSnpReport(bytes: Uint8Array): SnpReport {
  if (bytes.length !== SNP_REPORT_LENGTH) {
    throw malformed(`expected ${SNP_REPORT_LENGTH} bytes, found ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number) => view.getBigUint64(o, true);
  const version = u32(0x00);
  if (!SUPPORTED_VERSIONS.has(version))
    throw malformed(`unsupported report version ${version} (expected 2, 3 or 5)`);
  const policy = u64(0x08);
  if ((policy & SNP_POLICY.RESERVED_MASK) !== 0n) throw malformed('guest policy has reserved bits set');
  // Guest Policy bit 17 is reserved and must be one.
  if ((policy & SNP_POLICY.RESERVED_ONE) === 0n) throw malformed('guest policy bit 17 must be one');
  const vmpl = u32(0x30);
  if (vmpl > 3) throw malformed(`VMPL ${vmpl} out of range`);
  const signatureAlgorithm = u32(0x34);
  if (signatureAlgorithm !== 1)
    throw malformed(`signature algorithm ${signatureAlgorithm} (only 1, ECDSA P-384 SHA-384)`);
  const keyInfo = u32(0x48);
  if ((keyInfo & ~0x1f) !== 0) throw malformed('reserved key-information bits set');
  const keySel = (keyInfo >> 2) & 0x7;
  if (keySel === 7) {
    throw new AttestationError('ATTESTATION_UNSUPPORTED', 'SEV-SNP report is unsigned (SIGNING_KEY = none)');
  }
  if (keySel > 1) throw malformed(`reserved SIGNING_KEY value ${keySel}`);
  requireZero(bytes, 0x4c, 0x50, 'after key information');
  if (version >= 3) {
    requireZero(bytes, 0x18b, 0x1a0, 'after CPUID');
  } else {
    requireZero(bytes, 0x188, 0x1a0, 'after REPORTED_TCB');
  }
  if (bytes[0x1eb] !== 0 || bytes[0x1ef] !== 0) throw malformed('reserved version bytes are not zero');
  if (version >= 5) {
    requireZero(bytes, 0x208, 0x2a0, 'after CURRENT_MIT_VECTOR');
  } else {
    requireZero(bytes, 0x1f8, 0x2a0, 'after LAUNCH_TCB');
  }
  // Signature (ABI spec "ECDSA P-384 Signature"): r and s are 72-byte little-endian fields of which
  // the low 48 bytes are used; the rest, and the 368 bytes after s, are reserved.
  requireZero(bytes, 0x2a0 + 48, 0x2a0 + 72, 'in signature R');
  requireZero(bytes, 0x2e8 + 48, 0x2e8 + 72, 'in signature S');
  requireZero(bytes, 0x330, SNP_REPORT_LENGTH, 'after the signature');

  const ver = (o: number) => `${bytes[o + 2]}.${bytes[o + 1]}.${bytes[o]}`;
  const report: SnpReport = {
    version,
    guestSvn: u32(0x04),
    policy,
    familyId: bytes.slice(0x10, 0x20),
    imageId: bytes.slice(0x20, 0x30),
    vmpl,
    signatureAlgorithm,
    currentTcb: bytes.slice(0x38, 0x40),
    platformInfo: u64(0x40),
    authorKeyEn: (keyInfo & 1) === 1,
    maskChipKey: (keyInfo & 2) === 2,
    signingKey: keySel === 0 ? 'vcek' : 'vlek',
    reportData: bytes.slice(0x50, 0x90),
    measurement: bytes.slice(0x90, 0xc0),
    hostData: bytes.slice(0xc0, 0xe0),
    idKeyDigest: bytes.slice(0xe0, 0x110),
    authorKeyDigest: bytes.slice(0x110, 0x140),
    reportId: bytes.slice(0x140, 0x160),
    reportIdMa: bytes.slice(0x160, 0x180),
    reportedTcb: bytes.slice(0x180, 0x188),
    cpuidFamily: version >= 3 ? bytes[0x188]! : 0,
    cpuidModel: version >= 3 ? bytes[0x189]! : 0,
    cpuidStepping: version >= 3 ? bytes[0x18a]! : 0,
    chipId: bytes.slice(0x1a0, 0x1e0),
    committedTcb: bytes.slice(0x1e0, 0x1e8),
    currentVersion: ver(0x1e8),
    committedVersion: ver(0x1ec),
    launchTcb: bytes.slice(0x1f0, 0x1f8),
    signatureR: reversed(bytes.subarray(0x2a0, 0x2a0 + 48)),
    signatureS: reversed(bytes.subarray(0x2e8, 0x2e8 + 48)),
    signed: bytes.subarray(0, SNP_SIGNED_LENGTH),
  };
  if (version >= 5) {
    report.launchMitVector = u64(0x1f8);
    report.currentMitVector = u64(0x200);
  }
  return report;
}
