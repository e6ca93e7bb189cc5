import { base64Decode, base64Encode, equalBytes, utf8Encode } from '@blindbox/bytes';
import { AttestationError } from '../attestation-error.js';

const BEGIN = '-----BEGIN CERTIFICATE-----\n';
const END = '-----END CERTIFICATE-----\n';

function bad(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `PCK certificate chain: ${why}`);
}

/** The canonical PEM of one DER certificate: 64-character lines, `\n` line ends (RFC 7468 §2). */
export function canonicalPem(der: Uint8Array): string {
  const b64 = base64Encode(der);
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `${BEGIN}${body}${END}`;
}

/**
 * The DER certificates of the PEM chain inside a quote (certification data type 5), leaf first.
 * The text must be exactly the canonical PEM of those certificates (optionally followed by one NUL,
 * the C string terminator some quote generators keep). The PEM text is covered by no signature, so
 * tolerating other line breaks or spacing would let the same quote be spelled in many ways.
 */
export function decodePckChain(pem: Uint8Array): Uint8Array[] {
  const text = pem.at(-1) === 0 ? pem.subarray(0, -1) : pem;
  if (text.length > 64 * 1024) throw bad('larger than 64 KiB');
  let s = '';
  for (const b of text) {
    // PEM is ASCII; anything else (including a second NUL) is not a chain.
    if (b > 0x7e || (b < 0x20 && b !== 0x0a)) throw bad('not ASCII PEM text');
    s += String.fromCharCode(b);
  }
  const ders: Uint8Array[] = [];
  for (let from = 0; from < s.length; ) {
    if (!s.startsWith(BEGIN, from)) throw bad(`expected "-----BEGIN CERTIFICATE-----" at offset ${from}`);
    const end = s.indexOf(END, from + BEGIN.length);
    if (end < 0) throw bad('unterminated PEM block');
    const body = s.slice(from + BEGIN.length, end).replaceAll('\n', '');
    let der: Uint8Array;
    try {
      der = base64Decode(body);
    } catch {
      throw bad('PEM block is not base64');
    }
    ders.push(der);
    from = end + END.length;
    if (ders.length > 3) throw bad('more than three certificates');
  }
  if (ders.length !== 3) {
    throw bad(`${ders.length} certificates; expected PCK, its issuing CA and the root`);
  }
  const canonical = utf8Encode(ders.map(canonicalPem).join(''));
  if (!equalBytes(canonical, text)) throw bad('not in canonical PEM form (64-character lines, LF)');
  return ders;
}
