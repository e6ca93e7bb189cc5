import { AttestationError } from '../attestation-error.js';
import { DER, derSmallInt, readDerExact } from '../der/read-der.js';
import type { Certificate } from '../x509/parse-certificate.js';
import type { SnpTcb } from './snp-product.js';

/** The AMD extensions of a VCEK or VLEK certificate. */
export interface VcekExtensions {
  /** productName1, e.g. "Milan-B0", "Genoa", "Turin". */
  productName?: string;
  tcb: SnpTcb;
  /** hwID (VCEK only): 64 bytes on Milan/Genoa, 8 bytes on Turin. */
  hwid?: Uint8Array;
  /** csp_id (VLEK only). */
  cspId?: string;
}

/**
 * OIDs from AMD's "Versioned Chip Endorsement Key (VCEK) Certificate and KDS Interface
 * Specification" (#57230), Table 8 "VCEK Certificate Extensions", and the VLEK specification.
 */
export const AMD_OID = {
  structVersion: '1.3.6.1.4.1.3704.1.1',
  productName: '1.3.6.1.4.1.3704.1.2',
  blSpl: '1.3.6.1.4.1.3704.1.3.1',
  teeSpl: '1.3.6.1.4.1.3704.1.3.2',
  snpSpl: '1.3.6.1.4.1.3704.1.3.3',
  ucodeSpl: '1.3.6.1.4.1.3704.1.3.8',
  fmcSpl: '1.3.6.1.4.1.3704.1.3.9',
  hwid: '1.3.6.1.4.1.3704.1.4',
  cspId: '1.3.6.1.4.1.3704.1.5',
} as const;

function bad(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `VCEK/VLEK certificate: ${why}`);
}

function spl(cert: Certificate, oid: string, name: string): number {
  const ext = cert.extensions.get(oid);
  if (!ext) throw bad(`missing ${name} extension`);
  // An INTEGER; ucodeSPL ≥ 128 takes two octets (docs/design.md §8).
  const node = readDerExact(ext.value, name);
  if (node.tag !== DER.INTEGER) throw bad(`${name} is not an INTEGER`);
  const n = derSmallInt(node, name);
  if (n > 255) throw bad(`${name} ${n} out of range`);
  return n;
}

function text(value: Uint8Array): string {
  const node = readDerExact(value, 'productName');
  if (node.tag !== DER.IA5_STRING && node.tag !== DER.UTF8_STRING && node.tag !== DER.PRINTABLE_STRING) {
    throw bad('productName is not a string');
  }
  return String.fromCharCode(...node.value);
}

/** Reads the SPLs, product name, hwID (VCEK) or CSP id (VLEK) from an AMD certificate. */
export function parseVcekExtensions(cert: Certificate, turin: boolean): VcekExtensions {
  const tcb: SnpTcb = {
    bootloader: spl(cert, AMD_OID.blSpl, 'blSPL'),
    tee: spl(cert, AMD_OID.teeSpl, 'teeSPL'),
    snp: spl(cert, AMD_OID.snpSpl, 'snpSPL'),
    microcode: spl(cert, AMD_OID.ucodeSpl, 'ucodeSPL'),
  };
  // Turin adds fmcSPL (docs/design.md §8).
  if (turin) tcb.fmc = spl(cert, AMD_OID.fmcSpl, 'fmcSPL');
  const out: VcekExtensions = { tcb };
  const product = cert.extensions.get(AMD_OID.productName);
  if (product) out.productName = text(product.value);
  const hwid = cert.extensions.get(AMD_OID.hwid);
  if (hwid) {
    // hwID is the raw bytes, or (in some certificates) an OCTET STRING wrapping them.
    let raw = hwid.value;
    if (raw.length !== 64 && raw.length !== 8) {
      const node = readDerExact(raw, 'hwID');
      if (node.tag !== DER.OCTET_STRING) throw bad('hwID is neither raw bytes nor an OCTET STRING');
      raw = node.value;
    }
    const want = turin ? 8 : 64;
    if (raw.length !== want) throw bad(`hwID is ${raw.length} bytes, expected ${want}`);
    out.hwid = raw;
  }
  const csp = cert.extensions.get(AMD_OID.cspId);
  if (csp) out.cspId = text(csp.value);
  return out;
}
