import { base64DecodeLenient, equalBytes } from '@blindbox/bytes';
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

export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** A certificate signature algorithm this package can check. */
export type SignatureAlgorithm =
  | { kind: 'ecdsa'; hash: HashName }
  | { kind: 'rsa-pss'; hash: HashName; saltLength: number };

export type PublicKey =
  | { kind: 'ec'; curve: 'P-256' | 'P-384'; point: Uint8Array }
  | { kind: 'rsa'; n: Uint8Array; e: Uint8Array };

export interface Extension {
  critical: boolean;
  /** The extnValue OCTET STRING's contents. */
  value: Uint8Array;
}

/** The parts of an X.509 v3 certificate (RFC 5280 §4.1) a verifier needs. */
export interface Certificate {
  der: Uint8Array;
  /** The DER of tbsCertificate: what the issuer signed. */
  tbs: Uint8Array;
  serialNumber: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
  /** The signature BIT STRING's bits (no unused-bits octet). */
  signature: Uint8Array;
  /** Raw DER of the issuer and subject Names, compared byte for byte when chaining. */
  issuer: Uint8Array;
  subject: Uint8Array;
  /** The subject's commonName, for messages. */
  subjectCommonName: string;
  issuerCommonName: string;
  notBefore: Date;
  notAfter: Date;
  publicKey: PublicKey;
  extensions: Map<string, Extension>;
  /** basicConstraints (RFC 5280 §4.2.1.9), when present. */
  basicConstraints?: { ca: boolean; pathLength?: number };
  /** keyUsage bits (RFC 5280 §4.2.1.3) as a bit string, when present. */
  keyUsage?: Uint8Array;
}

const OID = {
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
} as const;

const HASH_BY_OID: Record<string, HashName> = {
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
};

function bad(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `certificate: ${why}`);
}

const W = 'certificate';

/** Certificate := SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1.1). */
function readOuter(der: Uint8Array): {
  tbs: DerNode;
  algNode: DerNode;
  signatureAlgorithm: SignatureAlgorithm;
  signature: Uint8Array;
} {
  const cert = expectTag(readDerExact(der, W), DER.SEQUENCE, W);
  const [tbsNode, outerAlg, sigNode, ...rest] = derChildren(cert, W);
  if (rest.length > 0) throw bad('extra elements after the signature');
  const tbs = expectTag(tbsNode, DER.SEQUENCE, W);
  const algNode = expectTag(outerAlg, DER.SEQUENCE, W);
  const signatureAlgorithm = parseSignatureAlgorithm(algNode);
  const signature = bitStringBytes(expectTag(sigNode, DER.BIT_STRING, W));
  return { tbs, algNode, signatureAlgorithm, signature };
}

interface TbsFields {
  serialNumber: Uint8Array;
  issuer: DerNode;
  validity: DerNode;
  subject: DerNode;
  spki: DerNode;
  extensions?: DerNode;
}

/** The fields of tbsCertificate (RFC 5280 §4.1.2), in their fixed order; only v3 is accepted. */
function readTbsFields(tbs: DerNode, outerAlg: DerNode): TbsFields {
  const fields = derChildren(tbs, W);
  let i = 0;
  // RFC 5280 §4.1.2.1: version [0] EXPLICIT; only v3 certificates carry extensions.
  const versionNode = expectTag(fields[i++], 0xa0, W);
  const [versionInt, ...vrest] = derChildren(versionNode, W);
  if (vrest.length > 0 || derSmallInt(expectTag(versionInt, DER.INTEGER, W), W) !== 2) {
    throw bad('not an X.509 v3 certificate');
  }
  const serialNumber = derUnsigned(expectTag(fields[i++], DER.INTEGER, W), W);
  const innerAlg = expectTag(fields[i++], DER.SEQUENCE, W);
  // RFC 5280 §4.1.1.2: the signature field inside tbsCertificate must match the outer algorithm.
  if (!equalBytes(innerAlg.der, outerAlg.der)) throw bad('inner and outer signature algorithms differ');
  const issuer = expectTag(fields[i++], DER.SEQUENCE, W);
  const validity = expectTag(fields[i++], DER.SEQUENCE, W);
  const subject = expectTag(fields[i++], DER.SEQUENCE, W);
  const spki = expectTag(fields[i++], DER.SEQUENCE, W);
  const extensions = readOptionalFields(fields.slice(i));
  return { serialNumber, issuer, validity, subject, spki, ...(extensions ? { extensions } : {}) };
}

/** issuerUniqueID [1] and subjectUniqueID [2] (skipped), then extensions [3] last; nothing else. */
function readOptionalFields(fields: readonly DerNode[]): DerNode | undefined {
  let extensions: DerNode | undefined;
  for (const [i, f] of fields.entries()) {
    if (f.tag === 0x81 || f.tag === 0x82) continue;
    if (f.tag === 0xa3 && extensions === undefined && i === fields.length - 1) {
      extensions = f;
      continue;
    }
    throw bad(`unexpected field with tag 0x${f.tag.toString(16)} in tbsCertificate`);
  }
  return extensions;
}

function parseValidity(validity: DerNode): { notBefore: Date; notAfter: Date } {
  const [nb, na, ...vr] = derChildren(validity, W);
  if (vr.length > 0) throw bad('validity has extra elements');
  const notBefore = parseTime(nb);
  const notAfter = parseTime(na);
  return { notBefore, notAfter };
}

/** Extension := SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1.2.9). */
function parseExtension(ext: DerNode): [oid: string, extension: Extension] {
  const parts = derChildren(expectTag(ext, DER.SEQUENCE, W), W);
  const oid = decodeOid(expectTag(parts[0], DER.OID, W).value, W);
  let critical = false;
  let valueNode = parts[1];
  if (valueNode?.tag === DER.BOOLEAN) {
    // X.690 §11.5: DEFAULT FALSE is never encoded, and TRUE is 0xff.
    if (valueNode.value.length !== 1 || valueNode.value[0] !== 0xff) throw bad('bad critical flag');
    critical = true;
    valueNode = parts[2];
    if (parts.length !== 3) throw bad('bad extension');
  } else if (parts.length !== 2) {
    throw bad('bad extension');
  }
  return [oid, { critical, value: expectTag(valueNode, DER.OCTET_STRING, W).value }];
}

function parseExtensions(node: DerNode | undefined): Map<string, Extension> {
  const extensions = new Map<string, Extension>();
  if (!node) return extensions;
  const [seq, ...xr] = derChildren(node, W);
  if (xr.length > 0) throw bad('extensions wrapper has extra elements');
  for (const ext of derChildren(expectTag(seq, DER.SEQUENCE, W), W)) {
    const [oid, extension] = parseExtension(ext);
    if (extensions.has(oid)) throw bad(`duplicate extension ${oid}`);
    extensions.set(oid, extension);
  }
  return extensions;
}

/** Parses a DER X.509 certificate strictly; throws `ATTESTATION_MALFORMED_EVIDENCE` on anything else. */
export function parseCertificate(der: Uint8Array): Certificate {
  const { tbs, algNode, signatureAlgorithm, signature } = readOuter(der);
  const fields = readTbsFields(tbs, algNode);
  const { notBefore, notAfter } = parseValidity(fields.validity);
  const extensions = parseExtensions(fields.extensions);
  const out: Certificate = {
    der,
    tbs: tbs.der,
    serialNumber: fields.serialNumber,
    signatureAlgorithm,
    signature,
    issuer: fields.issuer.der,
    subject: fields.subject.der,
    subjectCommonName: commonName(fields.subject),
    issuerCommonName: commonName(fields.issuer),
    notBefore,
    notAfter,
    publicKey: parsePublicKey(fields.spki),
    extensions,
  };
  const bc = extensions.get(OID.basicConstraints);
  if (bc) out.basicConstraints = parseBasicConstraints(bc.value);
  const ku = extensions.get(OID.keyUsage);
  if (ku) out.keyUsage = bitStringBytes(expectTag(readDerExact(ku.value, W), DER.BIT_STRING, W), true);
  return out;
}

/** Certificates of a PEM text (one or more `CERTIFICATE` blocks), in order. */
export function decodePemCertificates(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  // indexOf, not a lazy regex: the regex rescans to the end after every unterminated BEGIN, which
  // is quadratic in the length of a hostile collateral string (minutes of blocked event loop).
  const begin = '-----BEGIN CERTIFICATE-----';
  const end = '-----END CERTIFICATE-----';
  for (let from = 0; ; ) {
    const b = pem.indexOf(begin, from);
    if (b < 0) break;
    const e = pem.indexOf(end, b + begin.length);
    if (e < 0) break;
    try {
      out.push(base64DecodeLenient(pem.slice(b + begin.length, e).replace(/\s+/g, '')));
    } catch {
      throw bad('PEM block is not base64');
    }
    from = e + end.length;
  }
  return out;
}

/** A certificate given as PEM, base64 DER or DER bytes, as DER. */
export function certificateBytes(input: string | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) {
    if (input[0] === 0x30) return input;
    return certificateBytes(new TextDecoder().decode(input));
  }
  if (input.includes('-----BEGIN')) {
    const all = decodePemCertificates(input);
    if (all.length !== 1) throw bad(`expected one PEM certificate, found ${all.length}`);
    return all[0]!;
  }
  try {
    return base64DecodeLenient(input.replace(/\s+/g, ''));
  } catch {
    throw bad('neither PEM nor base64 DER');
  }
}

/**
 * A BIT STRING's bits. Signatures and keys are whole octets, so their unused-bits count must be 0;
 * named bit lists (keyUsage) may leave bits unused, which DER requires to be zero (X.690 §11.2.1).
 * Without this, flipping the unused-bits octet would change a certificate's DER but not its meaning.
 */
function bitStringBytes(node: DerNode, namedBits = false): Uint8Array {
  if (node.value.length === 0) throw bad('empty BIT STRING');
  const unused = node.value[0]!;
  if (unused > 7 || (unused > 0 && node.value.length === 1)) throw bad('bad BIT STRING padding');
  if (unused > 0 && !namedBits) throw bad('BIT STRING with unused bits where whole octets are expected');
  if (unused > 0 && (node.value[node.value.length - 1]! & ((1 << unused) - 1)) !== 0) {
    throw bad('non-zero unused bits in BIT STRING');
  }
  return node.value.subarray(1);
}

function hashOf(algId: DerNode | undefined): HashName {
  const parts = derChildren(expectTag(algId, DER.SEQUENCE, W), W);
  const hash = HASH_BY_OID[decodeOid(expectTag(parts[0], DER.OID, W).value, W)];
  if (!hash) throw bad('unsupported hash algorithm');
  // RFC 4055 §2.1: parameters absent or NULL.
  if (parts.length > 2 || (parts[1] && (parts[1].tag !== DER.NULL || parts[1].value.length !== 0))) {
    throw bad('bad hash algorithm parameters');
  }
  return hash;
}

const ECDSA_HASH: Record<string, HashName> = {
  [OID.ecdsaSha256]: 'SHA-256',
  [OID.ecdsaSha384]: 'SHA-384',
  [OID.ecdsaSha512]: 'SHA-512',
};

function parseSignatureAlgorithm(node: DerNode): SignatureAlgorithm {
  const parts = derChildren(node, W);
  const oid = decodeOid(expectTag(parts[0], DER.OID, W).value, W);
  const ecdsaHash = ECDSA_HASH[oid];
  if (ecdsaHash) {
    // RFC 5758 §3.2: ECDSA AlgorithmIdentifiers carry no parameters.
    if (parts.length !== 1) throw bad('ECDSA algorithm with parameters');
    return { kind: 'ecdsa', hash: ecdsaHash };
  }
  if (oid === OID.rsassaPss) {
    // RFC 4055 §3.1 RSASSA-PSS-params; AMD's ARK/ASK/VCEK use SHA-384, MGF1-SHA-384, salt 48.
    if (parts.length !== 2) throw bad('RSASSA-PSS without parameters');
    return parsePssParams(parts[1]);
  }
  throw bad(`unsupported signature algorithm ${oid}`);
}

/** maskGenAlgorithm [1]: MGF1 (RFC 8017 §B.2.1) and its hash. */
function mgf1Hash(inner: DerNode | undefined): HashName {
  const mgf = derChildren(expectTag(inner, DER.SEQUENCE, W), W);
  if (decodeOid(expectTag(mgf[0], DER.OID, W).value, W) !== OID.mgf1 || mgf.length !== 2) {
    throw bad('unsupported PSS mask generation function');
  }
  return hashOf(mgf[1]);
}

/** RSASSA-PSS-params := SEQUENCE { hashAlgorithm [0], maskGenAlgorithm [1], saltLength [2], trailerField [3] }. */
function parsePssParams(node: DerNode | undefined): SignatureAlgorithm {
  const params = derChildren(expectTag(node, DER.SEQUENCE, W), W);
  let hash: HashName | undefined;
  let mgfHash: HashName | undefined;
  let saltLength = 20;
  for (const p of params) {
    const [inner, ...extra] = derChildren(p, W);
    if (extra.length > 0) throw bad('bad RSASSA-PSS parameters');
    if (p.tag === 0xa0) hash = hashOf(inner);
    else if (p.tag === 0xa1) mgfHash = mgf1Hash(inner);
    else if (p.tag === 0xa2) saltLength = derSmallInt(expectTag(inner, DER.INTEGER, W), W);
    else if (p.tag === 0xa3) {
      if (derSmallInt(expectTag(inner, DER.INTEGER, W), W) !== 1) throw bad('bad PSS trailer field');
    } else throw bad('bad RSASSA-PSS parameters');
  }
  // WebCrypto's RSA-PSS uses MGF1 with the message hash: anything else cannot be checked.
  if (hash === undefined || mgfHash !== hash) throw bad('unsupported RSASSA-PSS hash or MGF');
  return { kind: 'rsa-pss', hash, saltLength };
}

function parsePublicKey(spki: DerNode): PublicKey {
  const [alg, bits, ...rest] = derChildren(spki, W);
  if (rest.length > 0) throw bad('bad SubjectPublicKeyInfo');
  const algParts = derChildren(expectTag(alg, DER.SEQUENCE, W), W);
  const oid = decodeOid(expectTag(algParts[0], DER.OID, W).value, W);
  const key = bitStringBytes(expectTag(bits, DER.BIT_STRING, W));
  if (oid === OID.ecPublicKey) {
    const curveOid = decodeOid(expectTag(algParts[1], DER.OID, W).value, W);
    if (algParts.length !== 2) throw bad('bad EC parameters');
    const curve = curveOid === OID.p256 ? 'P-256' : curveOid === OID.p384 ? 'P-384' : undefined;
    if (!curve) throw bad(`unsupported curve ${curveOid}`);
    const size = curve === 'P-256' ? 32 : 48;
    // SEC 1 §2.3.3: uncompressed point 0x04 ‖ X ‖ Y.
    if (key.length !== 1 + 2 * size || key[0] !== 0x04)
      throw bad('EC public key is not an uncompressed point');
    return { kind: 'ec', curve, point: key };
  }
  if (oid === OID.rsaEncryption) {
    const [n, e, ...more] = derChildren(expectTag(readDerExact(key, W), DER.SEQUENCE, W), W);
    if (more.length > 0 || !n || !e) throw bad('bad RSA public key');
    return { kind: 'rsa', n: derUnsigned(n, W), e: derUnsigned(e, W) };
  }
  throw bad(`unsupported public key algorithm ${oid}`);
}

function parseBasicConstraints(value: Uint8Array): { ca: boolean; pathLength?: number } {
  const parts = derChildren(expectTag(readDerExact(value, W), DER.SEQUENCE, W), W);
  let ca = false;
  let i = 0;
  if (parts[i]?.tag === DER.BOOLEAN) {
    if (parts[i]!.value.length !== 1 || parts[i]!.value[0] !== 0xff) throw bad('bad basicConstraints');
    ca = true;
    i++;
  }
  const out: { ca: boolean; pathLength?: number } = { ca };
  if (parts[i]) out.pathLength = derSmallInt(expectTag(parts[i++], DER.INTEGER, W), W);
  if (i !== parts.length) throw bad('bad basicConstraints');
  return out;
}

function commonName(name: DerNode): string {
  for (const rdn of derChildren(name, W)) {
    for (const atv of derChildren(expectTag(rdn, DER.SET, W), W)) {
      const [type, value] = derChildren(expectTag(atv, DER.SEQUENCE, W), W);
      if (decodeOid(expectTag(type, DER.OID, W).value, W) === OID.commonName && value) {
        return new TextDecoder('utf-8', { fatal: false }).decode(value.value);
      }
    }
  }
  return '';
}

function parseTime(node: DerNode | undefined): Date {
  if (!node) throw bad('missing validity time');
  const text = String.fromCharCode(...node.value);
  // RFC 5280 §4.1.2.5.1/§4.1.2.5.2: UTCTime YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSSZ.
  const utc = node.tag === DER.UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  const gen =
    node.tag === DER.GENERALIZED_TIME ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  const m = utc ?? gen;
  if (!m) throw bad('bad validity time');
  const yy = Number(m[1]);
  const year = gen ? yy : yy >= 50 ? 1900 + yy : 2000 + yy;
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw bad('bad validity time');
  }
  return back;
}
