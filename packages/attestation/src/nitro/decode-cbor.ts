import { AttestationError } from '../attestation-error.js';

/** The CBOR data model subset attestation documents use. */
export type CborValue = number | bigint | string | boolean | null | Uint8Array | CborValue[] | CborMap;
export type CborMap = Map<number | string, CborValue>;

const MAX_DEPTH = 16;

function bad(what: string, why: string): AttestationError {
  return new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `${what}: malformed CBOR (${why})`);
}

/**
 * Decodes exactly one CBOR item (RFC 8949) spanning all of `bytes`, strictly: definite lengths only,
 * preferred (shortest) argument encodings (§4.2.1), no tags, no floats or simple values besides
 * false/true/null, map keys that are integers or text and never repeat, UTF-8 text. Every valid
 * attestation document is encoded this way, and refusing the rest means no two encodings of one
 * document verify.
 */
export function decodeCbor(bytes: Uint8Array, what: string): CborValue {
  const state = { offset: 0 };
  const value = decodeItem(bytes, state, what, 0);
  if (state.offset !== bytes.length) throw bad(what, `${bytes.length - state.offset} trailing bytes`);
  return value;
}

function readArgument(
  bytes: Uint8Array,
  state: { offset: number },
  info: number,
  what: string,
): number | bigint {
  if (info < 24) return info;
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
  if (size === 0)
    throw bad(what, info === 31 ? 'indefinite length' : `reserved additional information ${info}`);
  if (state.offset + size > bytes.length) throw bad(what, 'truncated argument');
  let n = 0n;
  for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(bytes[state.offset + i]!);
  state.offset += size;
  // RFC 8949 §4.2.1: the argument is encoded in as few bytes as possible.
  const floor = size === 1 ? 24n : size === 2 ? 0x100n : size === 4 ? 0x1_0000n : 0x1_0000_0000n;
  if (n < floor) throw bad(what, 'non-preferred argument encoding');
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function length(
  bytes: Uint8Array,
  state: { offset: number },
  info: number,
  what: string,
  unit: number,
): number {
  const n = readArgument(bytes, state, info, what);
  // Refuse lengths the remaining input cannot hold before allocating anything for them.
  if (typeof n === 'bigint' || n * unit > bytes.length - state.offset)
    throw bad(what, 'length exceeds the input');
  return n;
}

function decodeItem(bytes: Uint8Array, state: { offset: number }, what: string, depth: number): CborValue {
  if (depth > MAX_DEPTH) throw bad(what, 'nesting too deep');
  if (state.offset >= bytes.length) throw bad(what, 'truncated');
  const initial = bytes[state.offset++]!;
  const major = initial >> 5;
  const info = initial & 0x1f;
  switch (major) {
    case 0:
      return readArgument(bytes, state, info, what);
    case 1: {
      const n = readArgument(bytes, state, info, what);
      return typeof n === 'bigint' || n > Number.MAX_SAFE_INTEGER - 1 ? -1n - BigInt(n) : -1 - n;
    }
    case 2: {
      const n = length(bytes, state, info, what, 1);
      const out = bytes.slice(state.offset, state.offset + n);
      state.offset += n;
      return out;
    }
    case 3: {
      const n = length(bytes, state, info, what, 1);
      const raw = bytes.subarray(state.offset, state.offset + n);
      state.offset += n;
      try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
      } catch {
        throw bad(what, 'text is not UTF-8');
      }
    }
    case 4: {
      const n = length(bytes, state, info, what, 1);
      const out: CborValue[] = [];
      for (let i = 0; i < n; i++) out.push(decodeItem(bytes, state, what, depth + 1));
      return out;
    }
    case 5: {
      const n = length(bytes, state, info, what, 2);
      const out: CborMap = new Map();
      for (let i = 0; i < n; i++) {
        const key = decodeItem(bytes, state, what, depth + 1);
        if (typeof key !== 'number' && typeof key !== 'string')
          throw bad(what, 'map key is not an integer or text');
        if (out.has(key)) throw bad(what, `duplicate map key ${JSON.stringify(key)}`);
        out.set(key, decodeItem(bytes, state, what, depth + 1));
      }
      return out;
    }
    case 6:
      throw bad(what, 'unexpected tag');
    default:
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      throw bad(what, `unsupported simple value or float (0x${initial.toString(16)})`);
  }
}

/** A CBOR head (RFC 8949 §3) with the preferred argument encoding. */
export function encodeHead(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return new Uint8Array([m | n]);
  if (n < 0x100) return new Uint8Array([m | 24, n]);
  if (n < 0x1_0000) return new Uint8Array([m | 25, n >> 8, n & 0xff]);
  return new Uint8Array([m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}
