import { equalBytes, hexEncode, utf8Decode } from '@blindbox/bytes';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { AttestationError } from '../attestation-error.js';
import { SNP_REPORT_LENGTH } from './parse-snp-report.js';

/** An Azure confidential VM HCL report, split into its parts. */
export interface HclReport {
  /** The SEV-SNP report inside it (1184 bytes). */
  snpReport: Uint8Array;
  /** The runtime claims the paravisor bound into `report_data` (JSON text: keys, vm-configuration, user-data). */
  runtimeData: Uint8Array;
  /** The runtime claims parsed, when they are JSON. */
  runtimeClaims?: Record<string, unknown>;
  hashType: 'SHA-256' | 'SHA-384' | 'SHA-512';
}

/** "HCLA" (the attestation header signature), little-endian u32. */
export const HCL_MAGIC = 0x414c4348;
const HEADER_LENGTH = 32;
const REQUEST_DATA_OFFSET = HEADER_LENGTH + SNP_REPORT_LENGTH;
const REQUEST_DATA_HEADER = 20;
/** IGVM_REQUEST_DATA report_type for an SNP hardware report. */
const REPORT_TYPE_SNP = 2;

function bad(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `HCL report: ${why}`);
}

/** Whether `bytes` starts like an HCL report. */
export function isHclReport(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === HCL_MAGIC
  );
}

/**
 * Parses the HCL report the Azure paravisor returns from the vTPM NV index 0x01400001. Layout
 * (Azure confidential-computing-cvm-guest-attestation, HclReportParser / IGVM attestation header):
 *
 * ```
 * 0     32   attestation header: "HCLA", version, report_size, request_type, status, 3 × reserved (u32 LE)
 * 32    1184 hardware report (SEV-SNP ATTESTATION_REPORT)
 * 1216  20   IGVM_REQUEST_DATA: data_size, version, report_type (2 = SNP), report_data_hash_type
 *            (1 SHA-256, 2 SHA-384, 3 SHA-512), variable_data_size (u32 LE)
 * 1236  n    variable data: the runtime claims JSON
 * ```
 *
 * The SNP report's `report_data` must start with the hash of the runtime claims and be zero after
 * it: that is what makes the unsigned claims (the vTPM key, `user-data`) trustworthy.
 */
export function parseHclReport(bytes: Uint8Array): HclReport {
  if (bytes.length < REQUEST_DATA_OFFSET + REQUEST_DATA_HEADER)
    throw bad(`too short (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== HCL_MAGIC) throw bad('missing "HCLA" signature');
  const o = REQUEST_DATA_OFFSET;
  const dataSize = view.getUint32(o, true);
  const reportType = view.getUint32(o + 8, true);
  const hashTypeId = view.getUint32(o + 12, true);
  const variableSize = view.getUint32(o + 16, true);
  if (reportType !== REPORT_TYPE_SNP) throw bad(`report type ${reportType} is not SEV-SNP (2)`);
  const hashType =
    hashTypeId === 1 ? 'SHA-256' : hashTypeId === 2 ? 'SHA-384' : hashTypeId === 3 ? 'SHA-512' : undefined;
  if (!hashType) throw bad(`unknown report data hash type ${hashTypeId}`);
  if (dataSize !== REQUEST_DATA_HEADER + variableSize)
    throw bad('request data size does not match its contents');
  const end = o + REQUEST_DATA_HEADER + variableSize;
  if (end > bytes.length) throw bad('runtime data truncated');
  // Anything after the runtime data is unsigned and unbound: refuse it rather than ignore it.
  for (let i = end; i < bytes.length; i++)
    if (bytes[i] !== 0) throw bad('non-zero bytes after the runtime data');
  const snpReport = bytes.slice(HEADER_LENGTH, REQUEST_DATA_OFFSET);
  const runtimeData = bytes.slice(o + REQUEST_DATA_HEADER, end);
  const out: HclReport = { snpReport, runtimeData, hashType };
  try {
    const parsed: unknown = JSON.parse(utf8Decode(runtimeData));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      out.runtimeClaims = parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON: the claims stay opaque bytes; the hash binding below still holds.
  }
  return out;
}

/** The `report_data` an SNP report inside an HCL report must carry for these runtime claims. */
export function hclReportData(hcl: HclReport): Uint8Array {
  const hash = hcl.hashType === 'SHA-256' ? sha256 : hcl.hashType === 'SHA-384' ? sha384 : sha512;
  const out = new Uint8Array(64);
  out.set(hash(hcl.runtimeData));
  return out;
}

/** Whether an SNP report_data binds these runtime claims. */
export function hclBindsRuntimeData(
  hcl: HclReport,
  reportData: Uint8Array,
): { ok: boolean; expected: string } {
  const expected = hclReportData(hcl);
  return { ok: equalBytes(expected, reportData), expected: hexEncode(expected) };
}
