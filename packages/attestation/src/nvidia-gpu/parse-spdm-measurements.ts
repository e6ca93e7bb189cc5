import { AttestationError } from '../attestation-error.js';

/** SPDM 1.1 (DMTF DSP0274) constants of a GET_MEASUREMENTS exchange as NVIDIA's driver returns it. */
const SPDM_VERSION_1_1 = 0x11;
const GET_MEASUREMENTS = 0xe0;
const MEASUREMENTS = 0x60;
const REQUEST_LENGTH = 37;
const NONCE_LENGTH = 32;
/** ECDSA P-384 r ‖ s. */
export const GPU_SIGNATURE_LENGTH = 96;
/** DSP0274 §10.11.1: bit 0 of MeasurementSpecification = DMTF. */
const DMTF_MEASUREMENT_SPEC = 1;

/** One measurement block (DSP0274 Table 45) holding a DMTF measurement (Table 46). */
export interface MeasurementBlock {
  /** The block index, 1-based as on the wire. */
  index: number;
  /** DMTFSpecMeasurementValueType (bit 7: raw bit stream instead of a digest). */
  valueType: number;
  value: Uint8Array;
}

/** The parts of an NVIDIA GPU attestation report (GET_MEASUREMENTS request ‖ response) a verifier checks. */
export interface SpdmMeasurements {
  /** The requester's nonce (request bytes 4..35): where a verifier's freshness value goes. */
  requestNonce: Uint8Array;
  responderNonce: Uint8Array;
  blocks: MeasurementBlock[];
  /** The opaque data, as TLVs: field id → value (NVIDIA's OPAQUE_FIELD_ID_*). */
  opaque: Map<number, Uint8Array>;
  /** What the signature covers: request ‖ response up to the signature. */
  signed: Uint8Array;
  /** r ‖ s, big-endian, 48 bytes each. */
  signature: Uint8Array;
}

function malformed(message: string): never {
  throw new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `GPU attestation report: ${message}`);
}

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  take(length: number, what: string): Uint8Array {
    if (this.offset + length > this.bytes.length) {
      malformed(
        `truncated at ${what} (needs ${length} bytes at offset ${this.offset}, ${this.bytes.length - this.offset} left)`,
      );
    }
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  u8(what: string): number {
    return this.take(1, what)[0]!;
  }

  le(length: 2 | 3, what: string): number {
    const b = this.take(length, what);
    return length === 2 ? b[0]! | (b[1]! << 8) : b[0]! | (b[1]! << 8) | (b[2]! << 16);
  }
}

function parseRequest(r: Reader): Uint8Array {
  const version = r.u8('request version');
  const code = r.u8('request code');
  const param1 = r.u8('request param1');
  r.u8('request param2');
  if (version !== SPDM_VERSION_1_1)
    malformed(`request SPDM version 0x${version.toString(16)}, expected 0x11`);
  if (code !== GET_MEASUREMENTS)
    malformed(`request code 0x${code.toString(16)} is not GET_MEASUREMENTS (0xe0)`);
  // DSP0274 §10.11: param1 bit 0 asks for a signature; an unsigned report proves nothing.
  if ((param1 & 1) === 0) malformed('the request did not ask for a signed response');
  const nonce = r.take(NONCE_LENGTH, 'request nonce');
  r.u8('request slot id');
  return nonce;
}

function parseBlocks(record: Uint8Array, count: number): MeasurementBlock[] {
  const r = new Reader(record);
  const blocks: MeasurementBlock[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const index = r.u8('block index');
    const spec = r.u8('block measurement specification');
    const size = r.le(2, 'block size');
    if (spec !== DMTF_MEASUREMENT_SPEC)
      malformed(`block ${index} does not follow the DMTF measurement specification`);
    if (seen.has(index)) malformed(`block index ${index} appears twice`);
    seen.add(index);
    const m = new Reader(r.take(size, `block ${index}`));
    const valueType = m.u8(`block ${index} value type`);
    const valueSize = m.le(2, `block ${index} value size`);
    const value = m.take(valueSize, `block ${index} value`);
    if (m.offset !== size) malformed(`block ${index} has ${size - m.offset} bytes after its value`);
    blocks.push({ index, valueType, value });
  }
  if (r.offset !== record.length)
    malformed(`the measurement record has ${record.length - r.offset} trailing bytes`);
  return blocks;
}

function parseOpaque(data: Uint8Array): Map<number, Uint8Array> {
  const r = new Reader(data);
  const fields = new Map<number, Uint8Array>();
  while (r.offset < data.length) {
    const type = r.le(2, 'opaque field type');
    const size = r.le(2, 'opaque field size');
    if (fields.has(type)) malformed(`opaque field ${type} appears twice`);
    fields.set(type, r.take(size, `opaque field ${type}`));
  }
  return fields;
}

/**
 * Parses an NVIDIA GPU attestation report: the 37-byte SPDM 1.1 GET_MEASUREMENTS request followed by
 * the MEASUREMENTS response (DSP0274 §10.11: header, measurement record, responder nonce, opaque data,
 * then the P-384 signature). Every length must add up exactly; anything else is
 * `ATTESTATION_MALFORMED_EVIDENCE`.
 */
export function parseSpdmMeasurements(report: Uint8Array): SpdmMeasurements {
  const r = new Reader(report);
  const requestNonce = parseRequest(r);
  if (r.offset !== REQUEST_LENGTH) malformed('request length');
  const version = r.u8('response version');
  const code = r.u8('response code');
  r.take(2, 'response params');
  if (version !== SPDM_VERSION_1_1)
    malformed(`response SPDM version 0x${version.toString(16)}, expected 0x11`);
  if (code !== MEASUREMENTS) malformed(`response code 0x${code.toString(16)} is not MEASUREMENTS (0x60)`);
  const count = r.u8('number of blocks');
  const recordLength = r.le(3, 'measurement record length');
  if (count === 0) malformed('the response holds no measurement block');
  const blocks = parseBlocks(r.take(recordLength, 'measurement record'), count);
  const responderNonce = r.take(NONCE_LENGTH, 'responder nonce');
  const opaque = parseOpaque(r.take(r.le(2, 'opaque length'), 'opaque data'));
  const signedLength = r.offset;
  const signature = r.take(GPU_SIGNATURE_LENGTH, 'signature');
  if (r.offset !== report.length) malformed(`${report.length - r.offset} bytes after the signature`);
  return {
    requestNonce,
    responderNonce,
    blocks,
    opaque,
    signed: report.subarray(0, signedLength),
    signature,
  };
}
