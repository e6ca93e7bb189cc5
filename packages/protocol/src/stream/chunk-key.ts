import type { AeadKey } from '../hpke/aead-key.js';

/** What seals or opens the chunks of one message (docs/protocol.md §11.4). */
export interface ChunkKey {
  readonly aead: AeadKey;
  /** The direction's nonce base (Nn = 12 bytes). */
  readonly nonceBase: Uint8Array;
  /** The message's sequence number: 0 ≤ seq < 2^53. */
  readonly seq: number;
  /** Authenticated prefix of every chunk's AAD: the session header. */
  readonly aadPrefix: Uint8Array;
}

/** Most chunks in one message: the chunk index is a u32. */
export const MAX_CHUNKS = 0xffff_ffff;

/** nonce_i = base_nonce XOR (u64(seq) ‖ u32(i)). */
export function chunkNonce(nonceBase: Uint8Array, seq: number, index: number): Uint8Array {
  if (nonceBase.length !== 12) throw new RangeError('the nonce base must be 12 bytes');
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError('seq must be an integer in [0, 2^53)');
  if (!Number.isInteger(index) || index < 0 || index > MAX_CHUNKS)
    throw new RangeError('chunk index out of range');
  const nonce = new Uint8Array(nonceBase);
  const view = new DataView(nonce.buffer);
  view.setUint32(0, view.getUint32(0) ^ Math.floor(seq / 2 ** 32));
  view.setUint32(4, view.getUint32(4) ^ (seq >>> 0));
  view.setUint32(8, view.getUint32(8) ^ index);
  return nonce;
}

/** aad_i = aad_prefix ‖ u32(i) ‖ u8(final). */
export function chunkAad(prefix: Uint8Array, index: number, final: boolean): Uint8Array {
  const aad = new Uint8Array(prefix.length + 5);
  aad.set(prefix);
  new DataView(aad.buffer).setUint32(prefix.length, index);
  aad[prefix.length + 4] = final ? 1 : 0;
  return aad;
}
