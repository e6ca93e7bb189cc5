import { createHash, createPublicKey, type KeyObject, verify, X509Certificate } from 'node:crypto';
import { base64Decode, hexDecode } from '@blindbox/bytes';
import { LogError } from '@blindbox/transparency';
import { p256PointFromSpki, preAuthEncoding } from '@blindbox/transparency/internal';
import { p256 } from '@noble/curves/nist.js';
import { json } from '@sigstore/core';

/** An accepted proposed entry: the canonical body to log and what to keep beside it. */
export interface CanonicalEntry {
  /** Rekor's canonical JSON of the entry (the Merkle leaf). */
  body: Buffer;
  /** The submitted DSSE envelope for `dsse` entries (Rekor keeps it as the entry's attestation). */
  attestation: Buffer;
  kind: 'hashedrekord' | 'dsse';
}

/** Most verifiers, and most signatures, a dsse entry may carry (a release has one of each). */
const MAX_DSSE_KEYS = 16;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * Validates a proposed Rekor v1 entry (`hashedrekord` 0.0.1 or `dsse` 0.0.1), verifies its signature
 * and returns Rekor's canonical body. Throws `LOG_MALFORMED_ENTRY` or `LOG_BAD_ENTRY_SIGNATURE`: the
 * log never records a signature it cannot check.
 */
export function canonicalizeProposedEntry(proposed: unknown): CanonicalEntry {
  const entry = object(proposed, 'entry');
  const kind = entry['kind'];
  const apiVersion = entry['apiVersion'];
  if (apiVersion !== '0.0.1')
    malformed(`unsupported apiVersion ${JSON.stringify(apiVersion)}; this log takes 0.0.1`);
  if (kind === 'hashedrekord') return hashedRekord(object(entry['spec'], 'spec'));
  if (kind === 'dsse') return dsse(object(entry['spec'], 'spec'));
  return malformed(`unsupported kind ${JSON.stringify(kind)}; this log takes hashedrekord and dsse`);
}

function hashedRekord(spec: JsonObject): CanonicalEntry {
  const hash = object(object(spec['data'], 'spec.data')['hash'], 'spec.data.hash');
  if (hash['algorithm'] !== 'sha256') malformed('spec.data.hash.algorithm must be sha256');
  const digestHex = string(hash['value'], 'spec.data.hash.value');
  if (!/^[0-9a-f]{64}$/.test(digestHex)) malformed('spec.data.hash.value must be 64 lowercase hex digits');
  const signature = object(spec['signature'], 'spec.signature');
  const sigB64 = string(signature['content'], 'spec.signature.content');
  const keyB64 = string(
    object(signature['publicKey'], 'spec.signature.publicKey')['content'],
    'spec.signature.publicKey.content',
  );
  const key = verifierKey(keyB64);
  const sig = base64(sigB64, 'spec.signature.content');
  // hashedrekord signs a digest, not a message: verify the prehashed ECDSA signature
  let ok = false;
  try {
    ok = p256.verify(sig, hexDecode(digestHex), p256Point(key), {
      prehash: false,
      format: 'der',
      lowS: false,
    });
  } catch {
    ok = false;
  }
  if (!ok) badSignature('the hashedrekord signature does not verify with its public key over its digest');
  const canonical = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: digestHex } },
      signature: { content: sigB64, publicKey: { content: keyB64 } },
    },
  };
  return {
    body: Buffer.from(json.canonicalize(canonical), 'utf8'),
    attestation: Buffer.alloc(0),
    kind: 'hashedrekord',
  };
}

function dsse(spec: JsonObject): CanonicalEntry {
  const proposed = object(spec['proposedContent'], 'spec.proposedContent');
  const envelopeText = string(proposed['envelope'], 'spec.proposedContent.envelope');
  const verifiers = proposed['verifiers'];
  if (!Array.isArray(verifiers) || verifiers.length === 0)
    malformed('spec.proposedContent.verifiers must list at least one key');
  // each signature is tried against each verifier: bound the product, or one request stalls the log
  if (verifiers.length > MAX_DSSE_KEYS)
    malformed(`spec.proposedContent.verifiers lists ${verifiers.length} keys; the limit is ${MAX_DSSE_KEYS}`);
  const keys = (verifiers as Json[]).map((v, i) => ({
    b64: string(v, `verifiers[${i}]`),
    key: verifierKey(string(v, `verifiers[${i}]`)),
  }));
  let envelope: JsonObject;
  try {
    envelope = object(JSON.parse(envelopeText), 'envelope');
  } catch (err) {
    if (err instanceof LogError) throw err;
    return malformed('spec.proposedContent.envelope is not JSON');
  }
  const payloadType = string(envelope['payloadType'], 'envelope.payloadType');
  const payload = base64(string(envelope['payload'], 'envelope.payload'), 'envelope.payload');
  const sigs = envelope['signatures'];
  if (!Array.isArray(sigs) || sigs.length === 0) malformed('envelope.signatures must not be empty');
  if (sigs.length > MAX_DSSE_KEYS)
    malformed(`envelope.signatures holds ${sigs.length} signatures; the limit is ${MAX_DSSE_KEYS}`);
  const pae = preAuthEncoding(payloadType, payload);
  // Rekor dsse 0.0.1: every signature must verify with one of the verifiers; record the pairs
  const signatures = (sigs as Json[]).map((s, i) => {
    const sigB64 = string(object(s, `envelope.signatures[${i}]`)['sig'], `envelope.signatures[${i}].sig`);
    const sig = base64(sigB64, `envelope.signatures[${i}].sig`);
    const match = keys.find((k) => safeVerify(pae, k.key, sig));
    if (!match) badSignature(`envelope signature ${i} does not verify with any of the entry's verifiers`);
    return { signature: sigB64, verifier: (match as { b64: string }).b64 };
  });
  signatures.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  const canonical = {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256Hex(Buffer.from(envelopeText, 'utf8')) },
      payloadHash: { algorithm: 'sha256', value: sha256Hex(payload) },
      signatures,
    },
  };
  return {
    body: Buffer.from(json.canonicalize(canonical), 'utf8'),
    attestation: Buffer.from(envelopeText, 'utf8'),
    kind: 'dsse',
  };
}

const pointCache = new WeakMap<KeyObject, Uint8Array>();

/** The uncompressed P-256 point of a key (noble verifies prehashed digests; Node's crypto cannot). */
function p256Point(key: KeyObject): Uint8Array {
  let point = pointCache.get(key);
  if (!point) {
    point = p256PointFromSpki(key.export({ type: 'spki', format: 'der' }));
    pointCache.set(key, point);
  }
  return point;
}

/** Recently seen verifiers: a publisher signs many entries with one key. */
const keyCache = new Map<string, KeyObject>();

/** A verifier as Rekor takes it: base64 of a PEM public key or a PEM certificate. */
function verifierKey(b64: string): KeyObject {
  const cached = keyCache.get(b64);
  if (cached) return cached;
  const pem = base64(b64, 'public key').toString('utf8');
  let key: KeyObject;
  try {
    key = pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    return malformed('a public key is neither a PEM public key nor a PEM certificate');
  }
  if (keyCache.size >= 64) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(b64, key);
  return key;
}

function safeVerify(data: Uint8Array, key: KeyObject, sig: Uint8Array): boolean {
  try {
    return verify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key, sig);
  } catch {
    return false;
  }
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function object(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    malformed(`${what} must be an object`);
  return value as JsonObject;
}

function string(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) malformed(`${what} must be a non-empty string`);
  return value as string;
}

/** Padded standard base64 with zero pad bits: one spelling per byte string, so one leaf per entry. */
function base64(value: string, what: string): Buffer {
  if (value.length % 4 !== 0) malformed(`${what} is not base64`);
  try {
    return Buffer.from(base64Decode(value));
  } catch {
    return malformed(`${what} is not base64`);
  }
}

function malformed(message: string): never {
  throw new LogError('LOG_MALFORMED_ENTRY', message);
}

function badSignature(message: string): never {
  throw new LogError('LOG_BAD_ENTRY_SIGNATURE', message);
}
