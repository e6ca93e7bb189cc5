import type { KeyObject } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  PolicyError,
  type Signer,
  type TrustMaterial,
  toSignedEntity,
  toTrustMaterial,
  VerificationError,
  Verifier,
} from '@sigstore/verify';
import type { TransparencyErrorCode } from '../transparency-error.js';
import { fail } from './fail.js';
import type { DsseBundle } from './parse-release-bundle.js';
import type { ReleaseIdentity } from './release-identity.js';

/** sigstore-js's verification error codes, as ours. */
const SIGSTORE_ERROR_CODES: Partial<Record<VerificationError['code'], TransparencyErrorCode>> = {
  SIGNATURE_ERROR: 'TRANSPARENCY_BAD_SIGNATURE',
  TIMESTAMP_ERROR: 'TRANSPARENCY_UNTRUSTED_TIMESTAMP',
  CERTIFICATE_ERROR: 'TRANSPARENCY_UNTRUSTED_CERTIFICATE',
  PUBLIC_KEY_ERROR: 'TRANSPARENCY_WRONG_IDENTITY',
  TLOG_INCLUSION_PROOF_ERROR: 'TRANSPARENCY_BAD_INCLUSION_PROOF',
  TLOG_INCLUSION_PROMISE_ERROR: 'TRANSPARENCY_UNTRUSTED_LOG_KEY',
  TLOG_BODY_ERROR: 'TRANSPARENCY_NOT_IN_LOG',
  TLOG_MISSING_INCLUSION_ERROR: 'TRANSPARENCY_NOT_IN_LOG',
  TLOG_ERROR: 'TRANSPARENCY_NOT_IN_LOG',
};

/**
 * sigstore-js's own `Verifier` over the same material: defence in depth, and its TSA and CT checks.
 * Returns the signer it accepted (its certificate extensions name the OIDC issuer).
 */
export function verifyWithSigstore(
  bundle: DsseBundle,
  options: { trustedRoot: unknown; identity: ReleaseIdentity; insecureSkipCertificateTransparency?: boolean },
  signerKey: KeyObject,
): Signer {
  let trust: TrustMaterial;
  try {
    trust = toTrustMaterial(TrustedRoot.fromJSON(options.trustedRoot), () => ({
      publicKey: signerKey,
      validFor: () => true,
    }));
  } catch (cause) {
    fail('TRANSPARENCY_BAD_TRUSTED_ROOT', 'the TrustedRoot JSON is not usable', cause);
  }
  const keyless = options.identity.kind === 'keyless';
  const verifier = new Verifier(trust, {
    tlogThreshold: 1,
    ctlogThreshold: keyless && !options.insecureSkipCertificateTransparency ? 1 : 0,
    timestampThreshold: 1,
  });
  const policy =
    options.identity.kind === 'keyless'
      ? {
          subjectAlternativeName: `^(?:${options.identity.san})$`,
          extensions: { issuer: options.identity.issuer },
        }
      : undefined;
  try {
    return verifier.verify(toSignedEntity(bundle), policy);
  } catch (err) {
    return failWithSigstoreError(err);
  }
}

function failWithSigstoreError(err: unknown): never {
  if (err instanceof PolicyError)
    fail('TRANSPARENCY_WRONG_IDENTITY', `the signer does not match the pinned identity: ${err.message}`, err);
  if (err instanceof VerificationError) {
    const code = SIGSTORE_ERROR_CODES[err.code] ?? 'TRANSPARENCY_MALFORMED_BUNDLE';
    fail(code, `sigstore-js rejected the bundle (${err.code}): ${err.message}`, err);
  }
  // anything else (its ASN.1 parser on a garbage timestamp, …) is still a verdict on the bundle
  return fail(
    'TRANSPARENCY_MALFORMED_BUNDLE',
    `sigstore-js could not read the bundle: ${(err as Error)?.message}`,
    err,
  );
}
