import { createPublicKey, type KeyObject, verify as nodeVerify } from 'node:crypto';
import type { TransparencyLogEntry } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { fail } from './fail.js';

/** The pinned public key; an unusable one is the caller's mistake (`TRANSPARENCY_BAD_POLICY`), not a verdict. */
export function parsePinnedKey(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (cause) {
    return fail('TRANSPARENCY_BAD_POLICY', 'the pinned public key is not a PEM public key', cause);
  }
}

/** A signature check that answers false, never throws, on a malformed key or signature. */
export function safeVerify(data: Uint8Array, key: KeyObject, sig: Uint8Array): boolean {
  try {
    return nodeVerify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key, sig);
  } catch {
    return false;
  }
}

/** The keys a logged dsse body names as verifiers (PEM public keys, or certificates' keys). */
export function logBodyVerifiers(entry: TransparencyLogEntry): KeyObject[] {
  try {
    const body = JSON.parse(entry.canonicalizedBody.toString('utf8')) as {
      spec?: { signatures?: Array<{ verifier?: string }> };
    };
    return (body.spec?.signatures ?? []).flatMap((s) => {
      try {
        if (!s.verifier) return [];
        const pem = Buffer.from(s.verifier, 'base64').toString('utf8');
        if (!pem.includes('BEGIN CERTIFICATE')) return [createPublicKey(pem)];
        return [createPublicKey({ key: X509Certificate.parse(pem).publicKey, format: 'der', type: 'spki' })];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}
