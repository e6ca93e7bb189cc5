import type { Check } from './verification-report.js';

/** Stable codes of {@link AttestationError}. Codes never change meaning; new ones may be added. */
export type AttestationErrorCode =
  | 'ATTESTATION_MALFORMED_EVIDENCE'
  | 'ATTESTATION_UNSUPPORTED'
  | 'ATTESTATION_SIMULATED_NOT_ALLOWED'
  | 'ATTESTATION_UNTRUSTED_ROOT'
  | 'ATTESTATION_BAD_SIGNATURE'
  | 'ATTESTATION_CERT_CHAIN'
  | 'ATTESTATION_CERT_EXPIRED'
  | 'ATTESTATION_MISSING_COLLATERAL'
  | 'ATTESTATION_TCB'
  | 'ATTESTATION_DEBUG'
  | 'ATTESTATION_POLICY'
  | 'ATTESTATION_STALE'
  | 'ATTESTATION_MEASUREMENT_MISMATCH'
  | 'ATTESTATION_HOST_DATA_MISMATCH'
  | 'ATTESTATION_PCR_MISMATCH'
  | 'ATTESTATION_NONCE_MISMATCH'
  | 'ATTESTATION_BINDING_MISMATCH'
  | 'ATTESTATION_GPU_RIM_SIGNATURE'
  | 'ATTESTATION_GPU_RIM_VERSION_MISMATCH'
  | 'ATTESTATION_GPU_FWID_MISMATCH'
  // Intel TDX (src/tdx): revocation, Intel collateral, QE identity, RTMR and MRCONFIGID policies.
  | 'ATTESTATION_CERT_REVOKED'
  | 'ATTESTATION_COLLATERAL_EXPIRED'
  | 'ATTESTATION_COLLATERAL_MISMATCH'
  | 'ATTESTATION_QE_IDENTITY_MISMATCH'
  | 'ATTESTATION_RTMR_MISMATCH'
  | 'ATTESTATION_MRCONFIGID_MISMATCH';

/** The one error class of `@blindbox/attestation`: evidence was rejected (fail closed). */
export class AttestationError extends Error {
  override readonly name = 'AttestationError';
  readonly code: AttestationErrorCode;
  /** Checks made before and including the failing one. */
  readonly checks: Check[];

  constructor(
    code: AttestationErrorCode,
    message: string,
    checks: Check[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.checks = checks;
  }
}
