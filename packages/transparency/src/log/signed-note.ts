import { base64Decode, base64Encode, concatBytes, equalBytes, utf8Encode } from '@blindbox/bytes';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** A parsed C2SP tlog-checkpoint body: origin, tree size, root hash (and any extension lines). */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

/** One signature line of a C2SP signed note: `— <name> base64(keyHint ‖ signature)`. */
export interface NoteSignature {
  name: string;
  keyHint: Uint8Array;
  signature: Uint8Array;
}

/** A C2SP signed note split into its text (ending in a newline) and signature lines. */
export interface SignedNote {
  text: string;
  signatures: NoteSignature[];
}

const EM_DASH = '\u2014';

/** C2SP tlog-checkpoint: `<origin>\n<size>\n<base64 root>\n`. */
export function formatCheckpoint(
  checkpoint: Omit<Checkpoint, 'extensions'> & { extensions?: string[] },
): string {
  const ext = (checkpoint.extensions ?? []).map((l) => `${l}\n`).join('');
  return `${checkpoint.origin}\n${checkpoint.size}\n${base64Encode(checkpoint.rootHash)}\n${ext}`;
}

/** Parses a checkpoint body strictly (C2SP tlog-checkpoint); throws on anything malformed. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new Error('checkpoint must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  // Rekor v1's origin is "<host> - <tree ID>": spaces are allowed, an empty line is not
  if (!origin || origin.trim() !== origin) throw new Error('checkpoint origin line is empty or padded');
  if (!sizeLine || !/^(0|[1-9][0-9]*)$/.test(sizeLine))
    throw new Error('checkpoint size is not a decimal number');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw new Error('checkpoint size is too large');
  const rootHash = decodeNoteBase64(rootLine ?? '');
  if (rootHash.length !== 32) throw new Error('checkpoint root hash is not 32 bytes');
  if (extensions.some((l) => l === '')) throw new Error('checkpoint has an empty extension line');
  return { origin, size, rootHash, extensions };
}

/** C2SP signed-note: the text, a blank line, then one or more signature lines. */
export function parseSignedNote(envelope: string): SignedNote {
  const split = envelope.indexOf('\n\n');
  if (split < 0) throw new Error('signed note has no blank line before its signatures');
  const text = envelope.slice(0, split + 1);
  const rest = envelope.slice(split + 2);
  if (!rest.endsWith('\n')) throw new Error('signed note must end with a newline');
  const signatures = rest
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) throw new Error('malformed signature line in signed note');
      const bytes = decodeNoteBase64(m[2] as string);
      if (bytes.length < 5) throw new Error('signature line too short');
      return { name: m[1] as string, keyHint: bytes.slice(0, 4), signature: bytes.slice(4) };
    });
  if (signatures.length === 0) throw new Error('signed note has no signatures');
  return { text, signatures };
}

/** Formats one signature line (the caller signs `text` bytes with the key the hint names). */
export function formatSignatureLine(name: string, keyHint: Uint8Array, signature: Uint8Array): string {
  return `${EM_DASH} ${name} ${base64Encode(concatBytes(keyHint, signature))}\n`;
}

/**
 * Key hint of the ECDSA line: the first 4 bytes of the Rekor log ID (SHA-256 of the key's SPKI DER),
 * which is what sigstore-js and Rekor clients look up.
 */
export function ecdsaKeyHint(spkiDer: Uint8Array): Uint8Array {
  return sha256(spkiDer).slice(0, 4);
}

/** C2SP signed-note key ID for Ed25519: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. */
export function ed25519KeyHint(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8Encode(name), Uint8Array.of(0x0a, 0x01), publicKey)).slice(0, 4);
}

/** The public keys a verifier pins for one log. */
export interface NoteVerifierKeys {
  /** The key name that must appear on the signature line (the log's origin). */
  name: string;
  /** ECDSA P-256 key as SPKI DER (the TrustedRoot's tlog key). */
  ecdsaSpki?: Uint8Array;
  /** Ed25519 raw 32-byte public key. */
  ed25519?: Uint8Array;
}

/**
 * True when at least one signature line comes from a pinned key: the name is compared exactly
 * (unlike sigstore-js 3.x, which matches it as a RegExp against the log URL) and the hint must match
 * before the signature is checked.
 */
export function verifySignedNote(note: SignedNote, keys: NoteVerifierKeys): boolean {
  const message = utf8Encode(note.text);
  return note.signatures.some((sig) => {
    if (sig.name !== keys.name) return false;
    if (keys.ecdsaSpki && equalBytes(sig.keyHint, ecdsaKeyHint(keys.ecdsaSpki))) {
      return verifyP256(sig.signature, message, keys.ecdsaSpki);
    }
    if (keys.ed25519 && equalBytes(sig.keyHint, ed25519KeyHint(keys.name, keys.ed25519))) {
      try {
        return ed25519.verify(sig.signature, message, keys.ed25519);
      } catch {
        return false;
      }
    }
    return false;
  });
}

/** ECDSA P-256 / SHA-256 over `message` with a DER signature and an SPKI DER key. */
export function verifyP256(derSignature: Uint8Array, message: Uint8Array, spkiDer: Uint8Array): boolean {
  try {
    return p256.verify(derSignature, message, p256PointFromSpki(spkiDer), { format: 'der', lowS: false });
  } catch {
    return false;
  }
}

/** The SPKI DER prefix of every uncompressed P-256 public key (RFC 5480). */
const P256_SPKI_PREFIX = base64Decode('MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgA=');

/** Extracts the 65-byte uncompressed point from a P-256 SPKI; throws for any other key type. */
export function p256PointFromSpki(spkiDer: Uint8Array): Uint8Array {
  if (
    spkiDer.length !== P256_SPKI_PREFIX.length + 65 ||
    !equalBytes(spkiDer.subarray(0, P256_SPKI_PREFIX.length), P256_SPKI_PREFIX)
  ) {
    throw new Error('not an ECDSA P-256 public key');
  }
  return spkiDer.slice(P256_SPKI_PREFIX.length);
}

/** C2SP signed notes spell base64 with padding (RFC 4648 §4): an unpadded spelling is refused. */
function decodeNoteBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error('invalid base64: signed notes pad their base64');
  return base64Decode(text);
}
