import { hexEncode } from '@blindbox/bytes';
import { AttestationError } from '../attestation-error.js';

/**
 * Intel TDX DCAP quote, version 4 (Intel "TDX DCAP Quoting Library API", Appendix A.3 "Version 4
 * Quote Format"; Intel SGX DCAP `sgx_quote_4.h`). All integers little-endian.
 *
 * ```
 * 0     header (48)            version=4, att key type=2 (ECDSA P-256), TEE type=0x81 (TDX), QE vendor id, user data
 * 48    TD report body (584)   TEE_TCB_SVN, MRSEAM, MRSIGNERSEAM, SEAMATTRIBUTES, TDATTRIBUTES, XFAM, MRTD,
 *                              MRCONFIGID, MROWNER, MROWNERCONFIG, RTMR0..3, REPORTDATA
 * 632   signature data length (u32), then:
 *       ECDSA signature r‖s (64) over bytes 0..631, attestation key x‖y (64),
 *       certification data: type 6 (QE report certification data), size (u32), then
 *         QE report (384, an SGX REPORT body), its signature r‖s (64) by the PCK key,
 *         QE authentication data: size (u16) + bytes,
 *         certification data: type 5 (PCK certificate chain, PEM), size (u32) + bytes
 * ```
 */
export const TDX_QUOTE = {
  VERSION: 4,
  ATT_KEY_TYPE_ECDSA_P256: 2,
  TEE_TYPE_TDX: 0x81,
  HEADER_LENGTH: 48,
  BODY_LENGTH: 584,
  /** Header ‖ TD report body: what the attestation key signs. */
  SIGNED_LENGTH: 632,
  QE_REPORT_LENGTH: 384,
  CERT_DATA_QE_REPORT: 6,
  CERT_DATA_PCK_CHAIN: 5,
  /** Intel's QE vendor id (939a7233-f79c-4ca9-940a-0db3957f0607). */
  INTEL_QE_VENDOR_ID: '939a7233f79c4ca9940a0db3957f0607',
} as const;

/** The TD report body of a v4 quote (TDX Module ABI "TDREPORT_STRUCT", TDINFO and TEE_TCB_INFO parts). */
export interface TdReportBody {
  teeTcbSvn: Uint8Array;
  mrSeam: Uint8Array;
  mrSignerSeam: Uint8Array;
  seamAttributes: Uint8Array;
  /** TDATTRIBUTES as a u64; bit 0 is DEBUG. */
  tdAttributes: bigint;
  xfam: bigint;
  mrTd: Uint8Array;
  mrConfigId: Uint8Array;
  mrOwner: Uint8Array;
  mrOwnerConfig: Uint8Array;
  rtmrs: readonly [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  reportData: Uint8Array;
}

/** The SGX report of the Quoting Enclave (SGX "REPORT_BODY"). */
export interface QeReport {
  /** All 384 bytes: what the PCK key signs. */
  raw: Uint8Array;
  cpuSvn: Uint8Array;
  miscSelect: number;
  attributes: Uint8Array;
  mrEnclave: Uint8Array;
  mrSigner: Uint8Array;
  isvProdId: number;
  isvSvn: number;
  reportData: Uint8Array;
}

/** A parsed v4 TDX quote. Byte fields are views into the input. */
export interface TdxQuote {
  version: number;
  attestationKeyType: number;
  teeType: number;
  /** Header bytes 8..11 (QE SVN and PCE SVN in older layouts, reserved in v4); signed. */
  headerReserved: Uint8Array;
  qeVendorId: Uint8Array;
  userData: Uint8Array;
  body: TdReportBody;
  /** Header ‖ body, the bytes the quote signature covers. */
  signed: Uint8Array;
  /** ECDSA P-256 signature r ‖ s, big-endian. */
  signature: Uint8Array;
  /** The attestation key, x ‖ y (64 bytes, no 0x04 prefix). */
  attestationKey: Uint8Array;
  qeReport: QeReport;
  /** ECDSA P-256 signature r ‖ s over {@link QeReport.raw} by the PCK key. */
  qeReportSignature: Uint8Array;
  qeAuthData: Uint8Array;
  /** The PCK certificate chain as carried in the quote (PEM text bytes). */
  pckChainPem: Uint8Array;
  /** Length of the quote proper; bytes beyond it are not part of the quote. */
  length: number;
}

function bad(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `TDX quote: ${why}`);
}

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  take(n: number, what: string): Uint8Array {
    if (n < 0 || this.offset + n > this.bytes.length) {
      throw bad(
        `truncated in ${what} (needs ${n} bytes at offset ${this.offset}, ${this.bytes.length} in all)`,
      );
    }
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  u16(what: string): number {
    const b = this.take(2, what);
    return b[0]! | (b[1]! << 8);
  }
  u32(what: string): number {
    const b = this.take(4, what);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  u64(what: string): bigint {
    const b = this.take(8, what);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }
}

function parseHeader(
  r: Reader,
): Pick<
  TdxQuote,
  'version' | 'attestationKeyType' | 'teeType' | 'headerReserved' | 'qeVendorId' | 'userData'
> {
  const version = r.u16('header');
  // Version 5 (TDX 1.5, body descriptor) and SGX quotes (TEE type 0) are other formats.
  if (version !== TDX_QUOTE.VERSION) {
    throw new AttestationError(
      'ATTESTATION_UNSUPPORTED',
      `TDX quote version ${version} (only version 4 is supported)`,
    );
  }
  const attestationKeyType = r.u16('header');
  if (attestationKeyType !== TDX_QUOTE.ATT_KEY_TYPE_ECDSA_P256) {
    throw new AttestationError(
      'ATTESTATION_UNSUPPORTED',
      `TDX quote attestation key type ${attestationKeyType} (only 2, ECDSA P-256, is defined)`,
    );
  }
  const teeType = r.u32('header');
  if (teeType !== TDX_QUOTE.TEE_TYPE_TDX) {
    throw new AttestationError(
      'ATTESTATION_UNSUPPORTED',
      `quote TEE type 0x${teeType.toString(16)} is not TDX (0x81)`,
    );
  }
  const headerReserved = r.take(4, 'header');
  const qeVendorId = r.take(16, 'header');
  // Only Intel's QE is known; its identity (MRSIGNER, ISVPRODID) is what Intel's QE identity pins.
  if (hexEncode(qeVendorId) !== TDX_QUOTE.INTEL_QE_VENDOR_ID) {
    throw new AttestationError(
      'ATTESTATION_UNSUPPORTED',
      `QE vendor id ${hexEncode(qeVendorId)} is not Intel's`,
    );
  }
  return { version, attestationKeyType, teeType, headerReserved, qeVendorId, userData: r.take(20, 'header') };
}

function parseBody(r: Reader): TdReportBody {
  const m = (n: number) => r.take(n, 'TD report body');
  const teeTcbSvn = m(16);
  const mrSeam = m(48);
  const mrSignerSeam = m(48);
  const seamAttributes = m(8);
  const tdAttributes = r.u64('TD report body');
  const xfam = r.u64('TD report body');
  const mrTd = m(48);
  const mrConfigId = m(48);
  const mrOwner = m(48);
  const mrOwnerConfig = m(48);
  const rtmrs = [m(48), m(48), m(48), m(48)] as const;
  const reportData = m(64);
  return {
    teeTcbSvn,
    mrSeam,
    mrSignerSeam,
    seamAttributes,
    tdAttributes,
    xfam,
    mrTd,
    mrConfigId,
    mrOwner,
    mrOwnerConfig,
    rtmrs,
    reportData,
  };
}

/** Parses an SGX REPORT body (384 bytes; Intel SDM Vol. 3D §38.15 "REPORT"). */
export function parseQeReport(raw: Uint8Array): QeReport {
  if (raw.length !== TDX_QUOTE.QE_REPORT_LENGTH) throw bad('QE report is not 384 bytes');
  const r = new Reader(raw);
  const cpuSvn = r.take(16, 'QE report');
  const miscSelect = r.u32('QE report');
  r.take(28, 'QE report');
  const attributes = r.take(16, 'QE report');
  const mrEnclave = r.take(32, 'QE report');
  r.take(32, 'QE report');
  const mrSigner = r.take(32, 'QE report');
  r.take(96, 'QE report');
  const isvProdId = r.u16('QE report');
  const isvSvn = r.u16('QE report');
  r.take(60, 'QE report');
  const reportData = r.take(64, 'QE report');
  return { raw, cpuSvn, miscSelect, attributes, mrEnclave, mrSigner, isvProdId, isvSvn, reportData };
}

/**
 * Parses a v4 TDX quote strictly: every length field must agree with the bytes that follow it, so
 * no byte of the quote is left unaccounted for. Bytes after the quote's declared end are refused
 * unless `allowTrailingBytes` (they are covered by no signature).
 */
export function parseTdxQuote(bytes: Uint8Array, options: { allowTrailingBytes?: boolean } = {}): TdxQuote {
  const r = new Reader(bytes);
  const header = parseHeader(r);
  const body = parseBody(r);
  const signed = bytes.subarray(0, TDX_QUOTE.SIGNED_LENGTH);
  const signatureDataLength = r.u32('signature data length');
  const signatureDataStart = r.offset;
  const signature = r.take(64, 'quote signature');
  const attestationKey = r.take(64, 'attestation key');
  const certType = r.u16('certification data');
  if (certType !== TDX_QUOTE.CERT_DATA_QE_REPORT) {
    throw bad(`certification data type ${certType}, expected 6 (QE report certification data)`);
  }
  const certSize = r.u32('certification data');
  const certStart = r.offset;
  const qeReport = parseQeReport(r.take(TDX_QUOTE.QE_REPORT_LENGTH, 'QE report'));
  const qeReportSignature = r.take(64, 'QE report signature');
  const qeAuthData = r.take(r.u16('QE authentication data'), 'QE authentication data');
  const innerType = r.u16('PCK certification data');
  if (innerType !== TDX_QUOTE.CERT_DATA_PCK_CHAIN) {
    throw bad(`QE certification data type ${innerType}, expected 5 (PCK certificate chain)`);
  }
  const pckChainPem = r.take(r.u32('PCK certification data'), 'PCK certificate chain');
  if (r.offset - certStart !== certSize) {
    throw bad(`certification data size says ${certSize} bytes, its contents take ${r.offset - certStart}`);
  }
  if (r.offset - signatureDataStart !== signatureDataLength) {
    throw bad(
      `signature data length says ${signatureDataLength} bytes, its contents take ${r.offset - signatureDataStart}`,
    );
  }
  // Intel's own verifier refuses these too (DCAP QVL Quote::parse: "Declared auth data size …
  // doesn't match remaining quote size").
  if (r.offset !== bytes.length && options.allowTrailingBytes !== true) {
    throw bad(
      `${bytes.length - r.offset} bytes follow the end of the quote (offset ${r.offset}); no signature covers them (allowTrailingBytes accepts and ignores them)`,
    );
  }
  return {
    ...header,
    body,
    signed,
    signature,
    attestationKey,
    qeReport,
    qeReportSignature,
    qeAuthData,
    pckChainPem,
    length: r.offset,
  };
}
