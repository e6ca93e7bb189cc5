import { createPublicKey, type KeyObject } from 'node:crypto';
import type { TransparencyLogEntry } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { keyIdOf } from '../sign/key-file.js';
import { fail } from './fail.js';
import { logBodyVerifiers, safeVerify } from './node-keys.js';
import type { DsseBundle } from './parse-release-bundle.js';

/** The key that made the DSSE signature, and how the verified release names it. */
export interface CheckedSigner {
  key: KeyObject;
  /** `key:<hex key ID>`, or the certificate's SAN. */
  name: string;
}

/**
 * A key is pinned: the bundle must carry a bare public key and the DSSE signature must verify with
 * the pinned key. A signature that verifies with another key the log recorded is reported as the wrong
 * identity, any other failure as an altered statement.
 */
export function checkPinnedKeySigner(
  bundle: DsseBundle,
  pinnedKey: KeyObject,
  pae: Uint8Array,
  signature: Buffer,
  entries: readonly TransparencyLogEntry[],
): CheckedSigner {
  if (bundle.verificationMaterial.content.$case !== 'publicKey') {
    fail(
      'TRANSPARENCY_WRONG_IDENTITY',
      'the release is signed with a certificate (keyless), but a public key is pinned',
    );
  }
  const name = `key:${keyIdOf(pinnedKey)}`;
  if (safeVerify(pae, pinnedKey, signature)) return { key: pinnedKey, name };
  // tell "someone else signed this" from "this was altered": does the key the log recorded verify it?
  const other = entries.flatMap((e) => logBodyVerifiers(e)).find((k) => safeVerify(pae, k, signature));
  if (other && keyIdOf(other) !== keyIdOf(pinnedKey)) {
    fail(
      'TRANSPARENCY_WRONG_IDENTITY',
      `the release is signed by key ${keyIdOf(other)}, not by the pinned key ${keyIdOf(pinnedKey)}`,
    );
  }
  return fail(
    'TRANSPARENCY_BAD_SIGNATURE',
    'the DSSE signature does not verify with the pinned key: the statement or envelope was altered',
  );
}

/**
 * A keyless identity is pinned: the bundle must carry a signing certificate whose key verifies the
 * DSSE signature. The SAN and issuer are checked after sigstore-js has checked the certificate chain.
 */
export function checkCertificateSigner(
  bundle: DsseBundle,
  pae: Uint8Array,
  signature: Buffer,
): CheckedSigner {
  const material = bundle.verificationMaterial.content;
  const certBytes =
    material.$case === 'certificate'
      ? material.certificate.rawBytes
      : material.$case === 'x509CertificateChain'
        ? material.x509CertificateChain.certificates[0]?.rawBytes
        : undefined;
  if (!certBytes)
    fail(
      'TRANSPARENCY_WRONG_IDENTITY',
      'the release is signed with a bare key, but a keyless identity is pinned',
    );
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = X509Certificate.parse(Buffer.from(certBytes as Uint8Array));
    key = createPublicKey({ key: cert.publicKey, format: 'der', type: 'spki' });
  } catch (cause) {
    return fail('TRANSPARENCY_MALFORMED_BUNDLE', 'the signing certificate does not parse', cause);
  }
  if (!safeVerify(pae, key, signature)) {
    fail(
      'TRANSPARENCY_BAD_SIGNATURE',
      "the DSSE signature does not verify with the certificate's key: the statement or envelope was altered",
    );
  }
  return { key, name: cert.subjectAltName ?? '' };
}
