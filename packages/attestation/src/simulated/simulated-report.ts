import { AttestationError } from '../attestation-error.js';

/**
 * The simulated TEE's report: a fixed binary layout that mimics an SEV-SNP report's essentials.
 *
 * ```
 * offset size field
 *      0    8 magic "BBSIMv1\0"
 *      8    2 version (u16 BE) = 1
 *     10    2 flags (u16 BE): bit 0 = debug
 *     12    8 timestamp, ms since the Unix epoch (u64 BE)
 *     20   48 measurement (SHA-384 over the loaded image, see simulatedMeasurement)
 *     68   64 report_data (the protocol binding)
 *    132   32 signer key id = SHA-256(SPKI DER of the simulator root key)
 *    164   64 signature: ECDSA P-256 / SHA-256 over bytes 0..163, r ‖ s big-endian
 * ```
 */
export const SIMULATED_MAGIC = new Uint8Array([0x42, 0x42, 0x53, 0x49, 0x4d, 0x76, 0x31, 0x00]);
export const SIMULATED_REPORT_LENGTH = 228;
export const SIMULATED_SIGNED_LENGTH = 164;

export interface SimulatedReport {
  version: number;
  debug: boolean;
  timestamp: Date;
  measurement: Uint8Array;
  reportData: Uint8Array;
  signerKeyId: Uint8Array;
  signature: Uint8Array;
  /** The bytes the signature covers. */
  signed: Uint8Array;
}

/** Encodes the signed part of a simulated report; the signer appends the 64-byte signature. */
export function encodeSimulatedReportBody(fields: {
  debug: boolean;
  timestamp: Date;
  measurement: Uint8Array;
  reportData: Uint8Array;
  signerKeyId: Uint8Array;
}): Uint8Array {
  if (fields.measurement.length !== 48) throw new TypeError('measurement must be 48 bytes');
  if (fields.reportData.length !== 64) throw new TypeError('reportData must be 64 bytes');
  if (fields.signerKeyId.length !== 32) throw new TypeError('signerKeyId must be 32 bytes');
  const out = new Uint8Array(SIMULATED_SIGNED_LENGTH);
  const view = new DataView(out.buffer);
  out.set(SIMULATED_MAGIC, 0);
  view.setUint16(8, 1);
  view.setUint16(10, fields.debug ? 1 : 0);
  view.setBigUint64(12, BigInt(fields.timestamp.getTime()));
  out.set(fields.measurement, 20);
  out.set(fields.reportData, 68);
  out.set(fields.signerKeyId, 132);
  return out;
}

/** Parses a simulated report; throws `ATTESTATION_MALFORMED_EVIDENCE` on any deviation from the layout. */
export function parseSimulatedReport(bytes: Uint8Array): SimulatedReport {
  const malformed = (why: string) =>
    new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `simulated report: ${why}`);
  if (bytes.length !== SIMULATED_REPORT_LENGTH) {
    throw malformed(`expected ${SIMULATED_REPORT_LENGTH} bytes, found ${bytes.length}`);
  }
  for (let i = 0; i < SIMULATED_MAGIC.length; i++) {
    if (bytes[i] !== SIMULATED_MAGIC[i]) throw malformed('bad magic (not simulated evidence)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(8);
  if (version !== 1) throw malformed(`unsupported version ${version}`);
  const flags = view.getUint16(10);
  if ((flags & ~1) !== 0) throw malformed(`unknown flags 0x${flags.toString(16)}`);
  const ms = view.getBigUint64(12);
  if (ms > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('timestamp out of range');
  return {
    version,
    debug: (flags & 1) === 1,
    timestamp: new Date(Number(ms)),
    measurement: bytes.slice(20, 68),
    reportData: bytes.slice(68, 132),
    signerKeyId: bytes.slice(132, 164),
    signature: bytes.slice(164, 228),
    signed: bytes.slice(0, SIMULATED_SIGNED_LENGTH),
  };
}
