import { concatBytes, utf8Encode } from '@blindbox/bytes';

/**
 * DSSE v1 pre-authentication encoding, what a DSSE signature covers:
 * `"DSSEv1" SP len(type) SP type SP len(body) SP body` (lengths in bytes, decimal). Binding the type
 * keeps a signature over one kind of payload from being replayed as another.
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8Encode(payloadType);
  return concatBytes(utf8Encode(`DSSEv1 ${type.length} `), type, utf8Encode(` ${payload.length} `), payload);
}
