/**
 * The one place BlindBox encodes and compares bytes. Every other package imports these instead of
 * keeping its own copy. Hex, utf8 and concatenation come from @noble/hashes, constant-time equality
 * from @noble/curves, base64 from @scure/base (all audited, no dependencies). Every decoder is strict
 * and throws {@link EncodingError}; packages turn that into their own typed error.
 */

export {
  base64Decode,
  base64DecodeLenient,
  base64Encode,
  base64urlDecode,
  base64urlEncode,
} from './base64.js';
export { concatBytes, equalBytes, utf8Decode, utf8Encode } from './bytes.js';
export { EncodingError } from './encoding-error.js';
export { hexDecode, hexEncode } from './hex.js';
