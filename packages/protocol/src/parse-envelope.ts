import { NONCE_LENGTH, PROTOCOL_VERSION, PUBLIC_KEY_LENGTH } from './constants.js';
import { base64Decode, base64urlDecode } from './encoding.js';
import { type EnvelopeGpuEvidence, parseEnvelopeGpus } from './envelope-gpus.js';
import { ProtocolError } from './protocol-error.js';

/** What `POST /.well-known/blindbox/v1/attest` answers (JSON). */
export interface EvidenceEnvelope {
  version: 1;
  /** `simulated` | `sev-snp` | `nitro` | `tdx` (lowercase letters, digits and '-'; verifiers reject unknown ones). */
  platform: string;
  /** Echo of the request nonce (base64url). Diagnostic: what counts is the binding inside the evidence. */
  nonce: string;
  /** Standard base64 of the raw platform evidence. */
  evidence: string;
  /** What the platform provides to check the evidence (VCEK/VLEK and chain, …). */
  collateral?: Record<string, unknown>;
  /** base64url of the 32-byte X25519 public key calls are sealed to. */
  hpkePublicKey: string;
  /** Lowercase hex of the 8-byte key id: the first 8 bytes of SHA-256(public key). */
  keyId: string;
  /** RFC 9180 ids the server accepts: KEM, KDF, and the AEADs in the server's order of preference. */
  suites: { kem: number; kdf: number; aead: number[] };
  /** The signed release bundle (JSON) this enclave claims to be; the client checks it, never trusts it. */
  release?: unknown;
  /**
   * v1.1: protocol versions the server speaks (`["1", "1.1"]`; absent means `["1"]`). A hint only:
   * not covered by the evidence; what a client relies on is the sealed `session` confirmation.
   */
  protocols?: string[];
  /**
   * Evidence of the NVIDIA GPUs attached to this TEE, each answering the GPU nonce derived from the
   * binding (docs/protocol.md §3.4). Optional, still version 1: a client that does not know the
   * member ignores it, as it ignores every unknown member.
   */
  gpus?: EnvelopeGpuEvidence[];
}

function fail(message: string, cause?: unknown): never {
  throw new ProtocolError('PROTOCOL_MALFORMED_ENVELOPE', `evidence envelope: ${message}`, { cause });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isU16(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff;
}

function decodeField(name: string, value: unknown, decoder: (s: string) => Uint8Array): Uint8Array {
  if (typeof value !== 'string') fail(`"${name}" must be a string, got ${typeof value}`);
  try {
    return decoder(value);
  } catch (cause) {
    return fail(
      `"${name}" is not valid ${decoder === base64Decode ? 'base64' : 'unpadded base64url'}`,
      cause,
    );
  }
}

/**
 * Validates the shape of an evidence envelope (parsed JSON) and returns a copy holding only the
 * known members (unknown members are ignored, for forward compatibility). Checks types, encodings
 * and lengths (nonce and public key 32 bytes, key id 8 bytes). It checks no relation between
 * members: whether the evidence binds `hpkePublicKey` and whether `keyId` is that key's id
 * ({@link computeKeyId}) are the client's checks after the evidence verified (docs/protocol.md §4),
 * so that a swapped key is reported as a binding mismatch, not as a malformed envelope.
 *
 * @throws ProtocolError `PROTOCOL_MALFORMED_ENVELOPE`.
 */
export function parseEvidenceEnvelope(json: unknown): EvidenceEnvelope {
  if (!isRecord(json)) fail('must be a JSON object');
  const {
    version,
    platform,
    nonce,
    evidence,
    collateral,
    hpkePublicKey,
    keyId,
    suites,
    release,
    protocols,
    gpus,
  } = json;
  if (version !== PROTOCOL_VERSION)
    fail(`"version" must be ${PROTOCOL_VERSION}, got ${JSON.stringify(version)}`);
  if (typeof platform !== 'string' || !/^[a-z0-9][a-z0-9-]{0,31}$/.test(platform)) {
    fail('"platform" must be a lowercase platform name such as "sev-snp"');
  }
  const nonceBytes = decodeField('nonce', nonce, base64urlDecode);
  if (nonceBytes.length !== NONCE_LENGTH) fail(`"nonce" must decode to ${NONCE_LENGTH} bytes`);
  if (decodeField('evidence', evidence, base64Decode).length === 0) fail('"evidence" is empty');
  if (collateral !== undefined && !isRecord(collateral)) fail('"collateral" must be an object when present');
  const publicKey = decodeField('hpkePublicKey', hpkePublicKey, base64urlDecode);
  if (publicKey.length !== PUBLIC_KEY_LENGTH)
    fail(`"hpkePublicKey" must decode to ${PUBLIC_KEY_LENGTH} bytes`);
  if (typeof keyId !== 'string' || !/^[0-9a-f]{16}$/.test(keyId))
    fail('"keyId" must be 16 lowercase hex digits');
  if (!isRecord(suites) || !isU16(suites['kem']) || !isU16(suites['kdf'])) {
    fail('"suites" must be { kem, kdf, aead[] } with 16-bit integer ids');
  }
  const aead = suites['aead'];
  if (!Array.isArray(aead) || aead.length === 0 || aead.length > 16 || !aead.every(isU16)) {
    fail('"suites.aead" must be a non-empty array of 16-bit integer ids');
  }
  const out: EvidenceEnvelope = {
    version: PROTOCOL_VERSION,
    platform: platform as string,
    nonce: nonce as string,
    evidence: evidence as string,
    hpkePublicKey: hpkePublicKey as string,
    keyId,
    suites: { kem: suites['kem'], kdf: suites['kdf'], aead: [...(aead as number[])] },
  };
  if (collateral !== undefined) out.collateral = collateral as Record<string, unknown>;
  if (release !== undefined) out.release = release;
  if (protocols !== undefined) {
    const valid =
      Array.isArray(protocols) &&
      protocols.length <= 16 &&
      protocols.every((p) => typeof p === 'string' && /^[0-9]{1,3}(\.[0-9]{1,3})?$/.test(p));
    if (!valid) fail('"protocols" must be an array of version strings such as "1.1"');
    out.protocols = [...(protocols as string[])];
  }
  if (gpus !== undefined) out.gpus = parseEnvelopeGpus(gpus);
  return out;
}
