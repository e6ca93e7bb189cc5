import { base64DecodeLenient, equalBytes, hexDecode, hexEncode } from '@blindbox/bytes';
import { AttestationError } from '../attestation-error.js';
import {
  DER,
  type DerNode,
  decodeOid,
  derChildren,
  derSmallInt,
  derUnsigned,
  expectTag,
  readDerExact,
} from '../der/read-der.js';

/** An X.509 v2 CRL (RFC 5280 §5.1), the subset Intel's PCS issues: ECDSA P-256 / SHA-256. */
export interface Crl {
  der: Uint8Array;
  /** The DER of tbsCertList: what the issuer signed. */
  tbs: Uint8Array;
  /** The signatureValue (a DER ECDSA-Sig-Value). */
  signature: Uint8Array;
  /** Raw DER of the issuer Name, compared byte for byte with the issuer certificate's subject. */
  issuer: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Serial numbers of revoked certificates, lowercase hex of the unsigned magnitude. */
  revoked: Set<string>;
}

const W = 'CRL';
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
/** CRL extensions this verifier understands (RFC 5280 §5.2): a critical unknown one is refused. */
const UNDERSTOOD_CRITICAL = new Set(['2.5.29.20', '2.5.29.35', '2.5.29.28']);

function bad(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `CRL: ${why}`);
}

function time(node: DerNode | undefined): Date {
  if (!node) throw bad('missing time');
  const text = String.fromCharCode(...node.value);
  // RFC 5280 §5.1.2.4: UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ.
  const m =
    node.tag === DER.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : node.tag === DER.GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (!m) throw bad('bad time');
  const y = Number(m[1]);
  const year = node.tag === DER.GENERALIZED_TIME ? y : y >= 50 ? 1900 + y : 2000 + y;
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const out = new Date(Date.UTC(year, mo - 1, d, h, mi, s));
  if (out.getUTCMonth() !== mo - 1 || out.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    throw bad('bad time');
  return out;
}

function checkExtensions(node: DerNode): void {
  for (const ext of derChildren(expectTag(node, DER.SEQUENCE, W), W)) {
    const parts = derChildren(expectTag(ext, DER.SEQUENCE, W), W);
    const oid = decodeOid(expectTag(parts[0], DER.OID, W).value, W);
    const critical = parts.length === 3 && parts[1]?.tag === DER.BOOLEAN && parts[1].value[0] === 0xff;
    if (parts.length === 3 && !critical) throw bad('bad critical flag');
    expectTag(parts[parts.length - 1], DER.OCTET_STRING, W);
    if (critical && !UNDERSTOOD_CRITICAL.has(oid)) throw bad(`unknown critical extension ${oid}`);
  }
}

function revokedSerials(node: DerNode): Set<string> {
  const out = new Set<string>();
  for (const entry of derChildren(expectTag(node, DER.SEQUENCE, W), W)) {
    const [serial, date, exts, ...rest] = derChildren(expectTag(entry, DER.SEQUENCE, W), W);
    if (rest.length > 0) throw bad('bad revoked certificate entry');
    out.add(hexEncode(derUnsigned(expectTag(serial, DER.INTEGER, W), W)));
    time(date);
    if (exts) checkExtensions(exts);
  }
  return out;
}

/** Parses a DER CRL strictly; throws `ATTESTATION_MALFORMED_EVIDENCE`. */
export function parseCrl(der: Uint8Array): Crl {
  const [tbsNode, alg, sig, ...rest] = derChildren(expectTag(readDerExact(der, W), DER.SEQUENCE, W), W);
  if (rest.length > 0) throw bad('extra elements');
  const tbs = expectTag(tbsNode, DER.SEQUENCE, W);
  const algParts = derChildren(expectTag(alg, DER.SEQUENCE, W), W);
  if (algParts.length !== 1 || decodeOid(expectTag(algParts[0], DER.OID, W).value, W) !== ECDSA_SHA256) {
    throw bad('signature algorithm is not ecdsa-with-SHA256');
  }
  const sigBits = expectTag(sig, DER.BIT_STRING, W).value;
  if (sigBits[0] !== 0) throw bad('signature BIT STRING with unused bits');
  const fields = derChildren(tbs, W);
  let i = 0;
  // RFC 5280 §5.1.2.1: version v2 (1) when extensions are present, which Intel's CRLs always carry.
  if (derSmallInt(expectTag(fields[i++], DER.INTEGER, W), W) !== 1) throw bad('not a v2 CRL');
  if (!equalBytes(expectTag(fields[i++], DER.SEQUENCE, W).der, alg!.der))
    throw bad('inner and outer algorithms differ');
  const issuer = expectTag(fields[i++], DER.SEQUENCE, W);
  const thisUpdate = time(fields[i++]);
  // nextUpdate is OPTIONAL in X.509 but RFC 5280 §5.1.2.5 requires it; without it staleness is unknowable.
  const nextUpdate = time(fields[i++]);
  let revoked = new Set<string>();
  if (fields[i]?.tag === DER.SEQUENCE) revoked = revokedSerials(fields[i++]!);
  if (fields[i]?.tag === 0xa0) {
    const [exts, ...more] = derChildren(fields[i++]!, W);
    if (!exts || more.length > 0) throw bad('bad crlExtensions');
    checkExtensions(exts);
  }
  if (i !== fields.length) throw bad('unexpected fields in tbsCertList');
  return {
    der,
    tbs: tbs.der,
    signature: sigBits.subarray(1),
    issuer: issuer.der,
    thisUpdate,
    nextUpdate,
    revoked,
  };
}

/** A CRL given as DER bytes, PEM (`X509 CRL`), hex DER text (as a PCCS stores it) or base64 DER text, as DER. */
export function crlBytes(input: string | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) {
    if (input[0] === 0x30) return input;
    return crlBytes(new TextDecoder().decode(input));
  }
  // DER starts with a SEQUENCE (0x30): as hex "30…"; as base64 it starts with "M", never hex.
  const trimmed = input.trim();
  if (/^30(?:[0-9a-fA-F]{2})+$/.test(trimmed)) return hexDecode(trimmed);
  const begin = input.indexOf('-----BEGIN X509 CRL-----');
  if (begin >= 0) {
    const end = input.indexOf('-----END X509 CRL-----', begin);
    if (end < 0) throw bad('unterminated PEM block');
    input = input.slice(begin + 24, end);
  }
  try {
    // Authenticated afterwards by the CRL signature, so the lenient decoder is enough.
    return base64DecodeLenient(input.replace(/\s+/g, ''));
  } catch {
    throw bad('neither DER, PEM nor base64');
  }
}
