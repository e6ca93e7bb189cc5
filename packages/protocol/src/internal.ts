/*
 * Internals of @blindbox/protocol for BlindBox's own packages (runtime, client, tests): low-level
 * encodings and primitives. Not a stable API: names here may change in any release.
 */

export { MAX_ENDPOINT_LENGTH, MAX_REQUEST_ID_LENGTH } from './call-messages.js';
export { decodeCbor, encodeCbor } from './cbor.js';
export {
  BINDING_LABEL,
  BINDING_LENGTH,
  ENC_LENGTH,
  FRAME_HEADER_LENGTH,
  KEY_ID_LENGTH,
  NONCE_LENGTH,
  PUBLIC_KEY_LENGTH,
  RESPONSE_EXPORT_LABEL,
  SESSION_EXPORT_LABEL,
  SESSION_ID_LENGTH,
  TAG_LENGTH,
} from './constants.js';
export {
  base64Decode,
  base64Encode,
  base64urlDecode,
  base64urlEncode,
  hexDecode,
  hexEncode,
} from './encoding.js';
export {
  decodeEnvelopeGpus,
  ENVELOPE_GPU_LIMITS,
  encodeEnvelopeGpus,
  type GpuEvidenceBytes,
} from './envelope-gpus.js';
export {
  AEAD_SIZES,
  type AeadBackend,
  type AeadKey,
  type AeadOperations,
  createAeadKey,
  setAeadBackend,
} from './hpke/aead-key.js';
export {
  deriveX25519KeyPair,
  type HpkeContext,
  setupBaseRecipient,
  setupBaseSender,
} from './hpke/hpke-base.js';
export { forceX25519Fallback, hasNativeX25519 } from './hpke/x25519.js';
export { nodeBuiltin } from './node-builtin.js';
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
