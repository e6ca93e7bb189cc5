import { concatBytes, utf8Encode } from '@blindbox/bytes';
import {
  KDF_ID,
  KEM_ID,
  KEY_ID_LENGTH,
  PROTOCOL_VERSION,
  REQUEST_HEADER_LENGTH,
  REQUEST_INFO_LABEL,
} from './constants.js';

/**
 * The clear header of a call body (as RFC 9458 §4.1's request header):
 *   version (1) ‖ keyId (8) ‖ kem_id (2, BE) ‖ kdf_id (2, BE) ‖ aead_id (2, BE)   = 15 bytes
 */
export function encodeRequestHeader(keyId: Uint8Array, aeadId: number): Uint8Array {
  if (keyId.length !== KEY_ID_LENGTH)
    throw new RangeError(`keyId must be ${KEY_ID_LENGTH} bytes, got ${keyId.length}`);
  const header = new Uint8Array(REQUEST_HEADER_LENGTH);
  const view = new DataView(header.buffer);
  header[0] = PROTOCOL_VERSION;
  header.set(keyId, 1);
  view.setUint16(9, KEM_ID);
  view.setUint16(11, KDF_ID);
  view.setUint16(13, aeadId);
  return header;
}

/** The fields of a request header (no checks: the caller decides what it accepts). */
export function decodeRequestHeader(header: Uint8Array): {
  version: number;
  keyId: Uint8Array;
  kemId: number;
  kdfId: number;
  aeadId: number;
} {
  const view = new DataView(header.buffer, header.byteOffset, REQUEST_HEADER_LENGTH);
  return {
    version: view.getUint8(0),
    keyId: header.slice(1, 1 + KEY_ID_LENGTH),
    kemId: view.getUint16(9),
    kdfId: view.getUint16(11),
    aeadId: view.getUint16(13),
  };
}

const INFO_PREFIX = concatBytes(utf8Encode(REQUEST_INFO_LABEL), new Uint8Array([0]));

/** HPKE `info` of a call: "blindbox/call/v1 request" ‖ 0x00 ‖ header (binds the header to the key schedule). */
export function requestInfo(header: Uint8Array): Uint8Array {
  return concatBytes(INFO_PREFIX, header);
}
