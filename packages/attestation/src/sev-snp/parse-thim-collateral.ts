import { hexDecode } from '@blindbox/bytes';
import { AttestationError } from '../attestation-error.js';
import { decodePemCertificates } from '../x509/parse-certificate.js';

/**
 * Azure's THIM collateral (Trusted Hardware Identity Management), as Azure Container Instances expose
 * it in `host_amd_certificate.json` and `http://169.254.169.254/metadata/THIM/amd/certification`.
 */
export interface ThimCollateral {
  /** The VCEK, PEM. */
  vcekCert: string;
  /** The ASK then the ARK, PEM. */
  certificateChain: string;
  /** The TCB the VCEK was issued for: the TCB_VERSION as a u64, 16 hex digits (e.g. "7308000000000003"). */
  tcbm: string;
  cacheControl?: string;
}

/** THIM collateral decoded to DER. */
export interface ParsedThimCollateral {
  vcek: Uint8Array;
  /** ASK, ARK. */
  chain: Uint8Array[];
  /** TCB_VERSION as its 8 raw bytes (little-endian, as in the report). */
  tcb: Uint8Array;
  tcbm: string;
}

function bad(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `THIM collateral: ${why}`);
}

/** Parses THIM JSON (text or an already parsed object); strict about every field it uses. */
export function parseThimCollateral(input: string | ThimCollateral): ParsedThimCollateral {
  let json: unknown = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch {
      throw bad('not JSON');
    }
  }
  if (typeof json !== 'object' || json === null) throw bad('not a JSON object');
  const { vcekCert, certificateChain, tcbm } = json as Record<string, unknown>;
  if (typeof vcekCert !== 'string') throw bad('vcekCert is missing');
  if (typeof certificateChain !== 'string') throw bad('certificateChain is missing');
  if (typeof tcbm !== 'string' || !/^[0-9a-fA-F]{16}$/.test(tcbm)) throw bad('tcbm is not 16 hex digits');
  const vcek = decodePemCertificates(vcekCert);
  if (vcek.length !== 1) throw bad(`vcekCert holds ${vcek.length} certificates, expected 1`);
  const chain = decodePemCertificates(certificateChain);
  if (chain.length !== 2)
    throw bad(`certificateChain holds ${chain.length} certificates, expected ASK and ARK`);
  // tcbm is the u64 big-endian; the report holds it little-endian.
  const tcb = hexDecode(tcbm).reverse();
  return { vcek: vcek[0]!, chain, tcb, tcbm: tcbm.toLowerCase() };
}
