// A mock Intel PKI for tests that need what no real vector offers (an accepted TCB assessment, a
// revoked PCK, a debug TD, a Processor-CA chain, a TDX module identity): a test root, PCK CAs, a
// TCB Signing key, PCK certificates with SGX Extensions, CRLs, signed TCB info and QE identity, and
// DCAP v4 quotes signed by a test attestation key. Tests using it pin the test root with vi.mock and
// say "mock" in their names.

import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { concatBytes, hexEncode, utf8Encode } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalPem } from '../src/tdx/decode-pck-chain.js';
import type { TdxCollateral } from '../src/tdx/tdx-options.js';

// ---- a minimal DER writer (X.690), enough for certificates and CRLs ----

function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const len =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concatBytes(new Uint8Array([tag, ...len]), content);
}
const seq = (...parts: Uint8Array[]) => tlv(0x30, concatBytes(...parts));
const set = (...parts: Uint8Array[]) => tlv(0x31, concatBytes(...parts));
const explicit = (n: number, content: Uint8Array) => tlv(0xa0 + n, content);
const octets = (b: Uint8Array) => tlv(0x04, b);
const utf8 = (s: string) => tlv(0x0c, utf8Encode(s));
const bool = () => tlv(0x01, new Uint8Array([0xff]));
const bits = (b: Uint8Array, unused = 0) => tlv(0x03, concatBytes(new Uint8Array([unused]), b));

function unsigned(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const b = bytes.subarray(i);
  return (b[0] ?? 0) & 0x80 ? concatBytes(new Uint8Array([0]), b) : b;
}
function int(n: number | Uint8Array, tag = 0x02): Uint8Array {
  if (n instanceof Uint8Array) return tlv(tag, unsigned(n));
  const out: number[] = [];
  let v = n;
  do {
    out.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  return tlv(tag, unsigned(new Uint8Array(out)));
}
function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift((v & 0x7f) | (chunk.length ? 0x80 : 0));
      v = Math.floor(v / 128);
    } while (v > 0);
    out.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(out));
}
function utc(d: Date): Uint8Array {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, utf8Encode(s));
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const name = (cn: string) =>
  seq(set(seq(oid('2.5.4.3'), utf8(cn))), set(seq(oid('2.5.4.10'), utf8('Intel Corporation (mock)'))));
const ext = (id: string, value: Uint8Array, critical = false) =>
  seq(oid(id), ...(critical ? [bool()] : []), octets(value));

export interface Key {
  secret: KeyObject;
  /** Uncompressed point 0x04 ‖ x ‖ y. */
  public: Uint8Array;
}
export function newKey(): Key {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const coordinate = (c: string | undefined) => new Uint8Array(Buffer.from(c ?? '', 'base64url'));
  return {
    secret: privateKey,
    public: concatBytes(new Uint8Array([4]), coordinate(jwk.x), coordinate(jwk.y)),
  };
}

/** ECDSA P-256 / SHA-256: DER (X.509, CRLs) or r ‖ s (quotes, QE reports, PCS JSON). */
function ecdsa(data: Uint8Array, key: Key, format: 'der' | 'raw' = 'raw'): Uint8Array {
  return new Uint8Array(
    sign('sha256', data, { key: key.secret, dsaEncoding: format === 'der' ? 'der' : 'ieee-p1363' }),
  );
}

export interface MockCert {
  der: Uint8Array;
  key: Key;
  subject: string;
  serial: number;
}

let serialCounter = 0x1000;

export function issue(options: {
  subject: string;
  issuer?: MockCert;
  ca?: boolean;
  key?: Key;
  notBefore?: Date;
  notAfter?: Date;
  extensions?: Uint8Array[];
  serial?: number;
}): MockCert {
  const key = options.key ?? newKey();
  const issuerName = options.issuer?.subject ?? options.subject;
  const signer = options.issuer?.key ?? key;
  const exts = [...(options.extensions ?? [])];
  if (options.ca) {
    exts.push(ext('2.5.29.19', seq(bool()), true));
    exts.push(ext('2.5.29.15', bits(new Uint8Array([0x06]), 1), true));
  }
  const serial = options.serial ?? serialCounter++;
  const tbs = seq(
    explicit(0, int(2)),
    int(serial),
    ECDSA_SHA256,
    name(issuerName),
    seq(
      utc(options.notBefore ?? new Date('2020-01-01T00:00:00Z')),
      utc(options.notAfter ?? new Date('2040-01-01T00:00:00Z')),
    ),
    name(options.subject),
    seq(seq(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')), bits(key.public)),
    explicit(3, seq(...exts)),
  );
  const signature = ecdsa(tbs, signer, 'der');
  return { der: seq(tbs, ECDSA_SHA256, bits(signature)), key, subject: options.subject, serial };
}

export function crl(
  issuer: MockCert,
  options: { revoked?: MockCert[]; thisUpdate?: Date; nextUpdate?: Date } = {},
): Uint8Array {
  const revoked = (options.revoked ?? []).map((c) =>
    seq(int(c.serial), utc(new Date('2023-01-01T00:00:00Z'))),
  );
  const tbs = seq(
    int(1),
    ECDSA_SHA256,
    name(issuer.subject),
    utc(options.thisUpdate ?? new Date('2023-06-01T00:00:00Z')),
    utc(options.nextUpdate ?? new Date('2023-08-01T00:00:00Z')),
    ...(revoked.length > 0 ? [seq(...revoked)] : []),
    explicit(0, seq(ext('2.5.29.20', int(1)))),
  );
  return seq(tbs, ECDSA_SHA256, bits(ecdsa(tbs, issuer.key, 'der')));
}

const SGX = '1.2.840.113741.1.13.1';
export interface PckTcb {
  sgx: number[];
  pceSvn: number;
  fmspc?: string;
  ppid?: string;
}

export function pckExtension(tcb: PckTcb): Uint8Array {
  const comps = tcb.sgx.map((svn, i) => seq(oid(`${SGX}.2.${i + 1}`), int(svn)));
  const value = seq(
    seq(oid(`${SGX}.1`), octets(Uint8Array.from(Buffer.from(tcb.ppid ?? '11'.repeat(16), 'hex')))),
    seq(
      oid(`${SGX}.2`),
      seq(
        ...comps,
        seq(oid(`${SGX}.2.17`), int(tcb.pceSvn)),
        seq(oid(`${SGX}.2.18`), octets(new Uint8Array(16))),
      ),
    ),
    seq(oid(`${SGX}.3`), octets(new Uint8Array(2))),
    seq(oid(`${SGX}.4`), octets(Uint8Array.from(Buffer.from(tcb.fmspc ?? '50806f000000', 'hex')))),
    seq(oid(`${SGX}.5`), int(0, 0x0a)),
  );
  return ext(SGX, value);
}

// ---- quotes ----

const u16 = (n: number) => new Uint8Array([n & 0xff, n >> 8]);
const u32 = (n: number) => new Uint8Array([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]);
const fill = (n: number, byte = 0) => new Uint8Array(n).fill(byte);

export const QE_MRSIGNER = 'dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5';

export interface QuoteFields {
  teeTcbSvn?: number[];
  tdAttributes?: number;
  mrTd?: Uint8Array;
  reportData?: Uint8Array;
  qeIsvSvn?: number;
  qeMrSigner?: string;
  /** Break the QE report's binding of the attestation key (still signed by the PCK). */
  unbindAttestationKey?: boolean;
}

export function buildQuote(pck: MockCert, pemChain: string, f: QuoteFields = {}): Uint8Array {
  const header = concatBytes(
    u16(4),
    u16(2),
    u32(0x81),
    fill(4),
    Uint8Array.from(Buffer.from('939a7233f79c4ca9940a0db3957f0607', 'hex')),
    fill(20),
  );
  const tee = new Uint8Array(16);
  tee.set(f.teeTcbSvn ?? [3, 0, 5]);
  const body = concatBytes(
    tee,
    fill(48, 0x5e),
    fill(48),
    fill(8),
    u32(f.tdAttributes ?? 0x10000000),
    fill(4),
    fill(8, 0xe7),
    f.mrTd ?? fill(48, 0x7d),
    fill(48),
    fill(48),
    fill(48),
    fill(48, 1),
    fill(48, 2),
    fill(48, 3),
    fill(48),
    f.reportData ?? fill(64, 0xbb),
  );
  const attestation = newKey();
  const signed = concatBytes(header, body);
  const signature = ecdsa(signed, attestation);
  const attKey = attestation.public.subarray(1);
  const auth = Uint8Array.from({ length: 32 }, (_, i) => i);
  const qe = new Uint8Array(384);
  qe.set(u32(0), 16);
  qe.set([0x15, 0, 0, 0, 0, 0, 0, 0, 0xe7], 48);
  qe.set(Uint8Array.from(Buffer.from(f.qeMrSigner ?? QE_MRSIGNER, 'hex')), 128);
  qe.set(u16(2), 256);
  qe.set(u16(f.qeIsvSvn ?? 4), 258);
  const binding = sha256(concatBytes(attKey, auth));
  if (f.unbindAttestationKey) binding[0]! ^= 1;
  qe.set(binding, 320);
  const qeSig = ecdsa(qe, pck.key);
  const pem = utf8Encode(pemChain);
  const outer = concatBytes(qe, qeSig, u16(auth.length), auth, u16(5), u32(pem.length), pem);
  const sigData = concatBytes(signature, attKey, u16(6), u32(outer.length), outer);
  return concatBytes(signed, u32(sigData.length), sigData);
}

// ---- collateral ----

function signedJson(member: string, value: unknown, signer: MockCert): string {
  const text = JSON.stringify(value);
  return `{"${member}":${text},"signature":"${hexEncode(ecdsa(utf8Encode(text), signer.key))}"}`;
}

export interface TcbLevelSpec {
  sgx: number;
  pceSvn: number;
  tdx: number[];
  status: string;
}

export function tcbInfo(
  signer: MockCert,
  levels: TcbLevelSpec[],
  extra: Record<string, unknown> = {},
): string {
  const comps = (n: number[] | number) =>
    Array.from({ length: 16 }, (_, i) => ({ svn: Array.isArray(n) ? (n[i] ?? 0) : n }));
  return signedJson(
    'tcbInfo',
    {
      id: 'TDX',
      version: 3,
      issueDate: '2023-06-18T08:42:58Z',
      nextUpdate: '2023-07-18T08:42:58Z',
      fmspc: '50806f000000',
      pceId: '0000',
      tcbType: 0,
      tcbEvaluationDataNumber: 17,
      tdxModule: {
        mrsigner: '00'.repeat(48),
        attributes: '0000000000000000',
        attributesMask: 'FFFFFFFFFFFFFFFF',
      },
      ...extra,
      tcbLevels: levels.map((l) => ({
        tcb: { sgxtcbcomponents: comps(l.sgx), pcesvn: l.pceSvn, tdxtcbcomponents: comps(l.tdx) },
        tcbDate: '2023-02-15T00:00:00Z',
        tcbStatus: l.status,
        ...(l.status === 'UpToDate' ? {} : { advisoryIDs: ['INTEL-SA-00960'] }),
      })),
    },
    signer,
  );
}

export function qeIdentity(
  signer: MockCert,
  levels: { isvSvn: number; status: string }[] = [{ isvSvn: 4, status: 'UpToDate' }],
): string {
  return signedJson(
    'enclaveIdentity',
    {
      id: 'TD_QE',
      version: 2,
      issueDate: '2023-06-08T07:24:59Z',
      nextUpdate: '2023-07-08T07:24:59Z',
      tcbEvaluationDataNumber: 17,
      miscselect: '00000000',
      miscselectMask: 'FFFFFFFF',
      attributes: '11000000000000000000000000000000',
      attributesMask: 'FBFFFFFFFFFFFFFF0000000000000000',
      mrsigner: QE_MRSIGNER.toUpperCase(),
      isvprodid: 2,
      tcbLevels: levels.map((l) => ({
        tcb: { isvsvn: l.isvSvn },
        tcbDate: '2023-02-15T00:00:00Z',
        tcbStatus: l.status,
      })),
    },
    signer,
  );
}

/** A whole mock Intel PKI: root, both PCK CAs, TCB Signing; PCKs and quotes on demand. */
export function mockIntel() {
  const root = issue({ subject: 'Intel SGX Root CA', ca: true });
  const platformCa = issue({ subject: 'Intel SGX PCK Platform CA', issuer: root, ca: true });
  const processorCa = issue({ subject: 'Intel SGX PCK Processor CA', issuer: root, ca: true });
  const tcbSigning = issue({ subject: 'Intel SGX TCB Signing', issuer: root });
  const pem = (...certs: MockCert[]) => certs.map((c) => canonicalPem(c.der)).join('');
  const pck = (tcb: PckTcb = { sgx: Array(16).fill(5), pceSvn: 11 }, ca = platformCa) =>
    issue({ subject: 'Intel SGX PCK Certificate', issuer: ca, extensions: [pckExtension(tcb)] });
  const quote = (leaf: MockCert, fields: QuoteFields = {}, ca = platformCa) =>
    buildQuote(leaf, pem(leaf, ca, root), fields);
  const collateral = (
    o: {
      levels?: TcbLevelSpec[];
      revoked?: MockCert[];
      rootRevoked?: MockCert[];
      tcbExtra?: Record<string, unknown>;
      qeLevels?: { isvSvn: number; status: string }[];
    } = {},
    ca = platformCa,
  ): TdxCollateral => ({
    tcbInfo: tcbInfo(
      tcbSigning,
      o.levels ?? [{ sgx: 5, pceSvn: 11, tdx: [3, 0, 5], status: 'UpToDate' }],
      o.tcbExtra,
    ),
    tcbInfoIssuerChain: pem(tcbSigning, root),
    qeIdentity: qeIdentity(tcbSigning, o.qeLevels),
    qeIdentityIssuerChain: pem(tcbSigning, root),
    pckCrl: crl(ca, { revoked: o.revoked ?? [] }),
    pckCrlIssuerChain: pem(ca, root),
    rootCrl: crl(root, { revoked: o.rootRevoked ?? [] }),
  });
  return { root, platformCa, processorCa, tcbSigning, pck, quote, collateral };
}
