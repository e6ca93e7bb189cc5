/*
 * Internals of @blindbox/protocol for BlindBox's own packages (runtime, client, tests): low-level
 * encodings and primitives. Not a stable API: names here may change in any release.
 */

export { decodeCbor, encodeCbor } from './cbor.js';
export {
  base64Decode,
  base64Encode,
  base64urlDecode,
  base64urlEncode,
  hexDecode,
  hexEncode,
} from './encoding.js';
export { AEAD_SIZES, type AeadKey, createAeadKey } from './hpke/aead-key.js';
export {
  deriveX25519KeyPair,
  type HpkeContext,
  setupBaseRecipient,
  setupBaseSender,
} from './hpke/hpke-base.js';
export { forceX25519Fallback, hasNativeX25519 } from './hpke/x25519.js';
export { decodeResponse } from './seal-request.js';
export {
  type DirectionKey,
  deriveSessionKeys,
  deriveSessionSecrets,
  type SessionSecrets,
} from './session/derive-session-keys.js';
export { encodeSessionHeader } from './session/session-header.js';
export { ByteReader } from './stream/byte-reader.js';
export { type ChunkKey, chunkAad, chunkNonce } from './stream/chunk-key.js';
export { collectBytes, encodeMessagePlaintext, readMessagePlaintext } from './stream/message-plaintext.js';
export { type OpenChunksOptions, openChunks } from './stream/open-chunks.js';
export { type SealChunksOptions, sealChunks } from './stream/seal-chunks.js';
