import { AttestationError } from '../attestation-error.js';
import {
  DER,
  type DerNode,
  decodeOid,
  derChildren,
  derSmallInt,
  expectTag,
  readDerExact,
} from '../der/read-der.js';
import type { Certificate } from '../x509/parse-certificate.js';

/** Intel SGX PCK certificate extensions (Intel "SGX PCK Certificate and CRL Profile" §1.3.5). */
export const SGX_EXTENSIONS_OID = '1.2.840.113741.1.13.1';

/** The fields of the SGX Extensions a TDX verifier needs. */
export interface PckExtensions {
  /** Platform Provisioning ID (16 bytes): identifies the platform, for chip allowlists. */
  ppid: Uint8Array;
  /** SGX TCB component SVNs 1..16, the CPUSVN the PCK was issued for. */
  sgxTcbComponents: number[];
  pceSvn: number;
  cpuSvn: Uint8Array;
  /** PCE-ID (2 bytes). */
  pceId: Uint8Array;
  /** FMSPC (6 bytes): the platform family the TCB info is published for. */
  fmspc: Uint8Array;
  /** 0 = Standard, 1 = Scalable, 2 = Scalable with integrity. */
  sgxType: number;
}

const W = 'PCK SGX extensions';

function bad(why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `${W}: ${why}`);
}

/** `SEQUENCE { OID, value }` pairs of a SEQUENCE, by OID; duplicates refused. */
function pairs(node: DerNode): Map<string, DerNode> {
  const out = new Map<string, DerNode>();
  for (const item of derChildren(expectTag(node, DER.SEQUENCE, W), W)) {
    const [oidNode, value, ...rest] = derChildren(expectTag(item, DER.SEQUENCE, W), W);
    if (!value || rest.length > 0) throw bad('an entry is not an (OID, value) pair');
    const oid = decodeOid(expectTag(oidNode, DER.OID, W).value, W);
    if (out.has(oid)) throw bad(`duplicate entry ${oid}`);
    out.set(oid, value);
  }
  return out;
}

function octets(map: Map<string, DerNode>, oid: string, length: number, name: string): Uint8Array {
  const node = map.get(oid);
  if (!node) throw bad(`missing ${name}`);
  const value = expectTag(node, DER.OCTET_STRING, W).value;
  if (value.length !== length) throw bad(`${name} is ${value.length} bytes, expected ${length}`);
  return value;
}

function svn(node: DerNode | undefined, name: string, max: number): number {
  if (!node) throw bad(`missing ${name}`);
  const n = derSmallInt(expectTag(node, DER.INTEGER, W), W);
  if (n > max) throw bad(`${name} ${n} is out of range`);
  return n;
}

/** Parses the SGX Extensions of a PCK certificate; throws `ATTESTATION_MALFORMED_EVIDENCE`. */
export function parsePckExtensions(cert: Certificate): PckExtensions {
  const ext = cert.extensions.get(SGX_EXTENSIONS_OID);
  if (!ext) throw bad('the PCK certificate has no SGX Extensions');
  const top = pairs(readDerExact(ext.value, W));
  const p = `${SGX_EXTENSIONS_OID}.`;
  const tcb = top.get(`${p}2`);
  if (!tcb) throw bad('missing TCB');
  const tcbMap = pairs(tcb);
  const sgxTcbComponents: number[] = [];
  for (let i = 1; i <= 16; i++)
    sgxTcbComponents.push(svn(tcbMap.get(`${p}2.${i}`), `TCB component ${i}`, 255));
  const sgxTypeNode = top.get(`${p}5`);
  if (sgxTypeNode?.tag !== 0x0a) throw bad('missing SGX Type (ENUMERATED)');
  const sgxType = derSmallInt({ ...sgxTypeNode, tag: DER.INTEGER }, W);
  return {
    ppid: octets(top, `${p}1`, 16, 'PPID'),
    sgxTcbComponents,
    pceSvn: svn(tcbMap.get(`${p}2.17`), 'PCESVN', 0xffff),
    cpuSvn: octets(tcbMap, `${p}2.18`, 16, 'CPUSVN'),
    pceId: octets(top, `${p}3`, 2, 'PCE-ID'),
    fmspc: octets(top, `${p}4`, 6, 'FMSPC'),
    sgxType,
  };
}
