import { AttestationError } from '../attestation-error.js';

/** One DER TLV: its tag, where it sits in the input, and its contents. */
export interface DerNode {
  /** The identifier octet (class, constructed bit and tag number; low tag numbers only). */
  tag: number;
  /** The whole TLV, header included. */
  der: Uint8Array;
  /** The contents octets. */
  value: Uint8Array;
}

export const DER = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function malformed(what: string, why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `${what}: malformed DER (${why})`);
}

/**
 * Reads one DER TLV at `offset`. Strict (X.690 §10): definite lengths in their shortest form, low tag
 * numbers only, no overrun. BER leniency is what lets two encodings of one certificate exist.
 */
export function readDer(bytes: Uint8Array, offset: number, what: string): DerNode {
  if (offset + 2 > bytes.length) throw malformed(what, 'truncated header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw malformed(what, 'high tag number');
  let length = bytes[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    // X.690 §10.1: the definite form, and the fewest length octets.
    if (n === 0) throw malformed(what, 'indefinite length');
    if (n > 3) throw malformed(what, 'length too large');
    if (offset + 2 + n > bytes.length) throw malformed(what, 'truncated length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[offset + 2 + i]!;
    if (length < 0x80 || bytes[offset + 2] === 0) throw malformed(what, 'non-minimal length');
    header += n;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw malformed(what, 'truncated value');
  return { tag, der: bytes.subarray(offset, end), value: bytes.subarray(offset + header, end) };
}

/** Reads exactly one TLV spanning all of `bytes`. */
export function readDerExact(bytes: Uint8Array, what: string): DerNode {
  const node = readDer(bytes, 0, what);
  if (node.der.length !== bytes.length) throw malformed(what, 'trailing bytes');
  return node;
}

/** The children of a constructed node, in order. */
export function derChildren(node: DerNode, what: string): DerNode[] {
  if ((node.tag & 0x20) === 0) throw malformed(what, 'expected a constructed value');
  const out: DerNode[] = [];
  let offset = 0;
  while (offset < node.value.length) {
    const child = readDer(node.value, offset, what);
    out.push(child);
    offset += child.der.length;
  }
  return out;
}

/** Asserts a node's tag. */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw malformed(what, `missing element (tag 0x${tag.toString(16)})`);
  if (node.tag !== tag) {
    throw malformed(what, `expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  }
  return node;
}

/** Dotted form of an OBJECT IDENTIFIER's contents (X.690 §8.19). */
export function decodeOid(value: Uint8Array, what: string): string {
  if (value.length === 0) throw malformed(what, 'empty OID');
  const arcs: number[] = [];
  let n = 0;
  let first = true;
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!;
    if (n === 0 && b === 0x80) throw malformed(what, 'non-minimal OID arc');
    n = n * 128 + (b & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 128) throw malformed(what, 'OID arc too large');
    if ((b & 0x80) === 0) {
      if (first) {
        const top = n < 40 ? 0 : n < 80 ? 1 : 2;
        arcs.push(top, n - top * 40);
        first = false;
      } else {
        arcs.push(n);
      }
      n = 0;
    } else if (i === value.length - 1) {
      throw malformed(what, 'truncated OID');
    }
  }
  return arcs.join('.');
}

/** A non-negative DER INTEGER's magnitude, big-endian, without the sign octet. */
export function derUnsigned(node: DerNode, what: string): Uint8Array {
  expectTag(node, DER.INTEGER, what);
  const v = node.value;
  if (v.length === 0) throw malformed(what, 'empty INTEGER');
  if (v[0]! & 0x80) throw malformed(what, 'negative INTEGER');
  // X.690 §8.3.2: no redundant leading octet.
  if (v.length > 1 && v[0] === 0 && (v[1]! & 0x80) === 0) throw malformed(what, 'non-minimal INTEGER');
  return v[0] === 0 && v.length > 1 ? v.subarray(1) : v;
}

/** A small non-negative DER INTEGER as a number. */
export function derSmallInt(node: DerNode, what: string): number {
  const mag = derUnsigned(node, what);
  if (mag.length > 6) throw malformed(what, 'INTEGER too large');
  let n = 0;
  for (const b of mag) n = n * 256 + b;
  return n;
}
