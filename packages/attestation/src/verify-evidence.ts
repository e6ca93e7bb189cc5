import { AttestationError } from './attestation-error.js';
import { base64ToBytes } from './base64.js';
import { verifySimulatedEvidence } from './simulated/verify-simulated.js';
import type { Platform, VerificationReport } from './verification-report.js';

/** Evidence as it travels in the protocol envelope. */
export interface EvidenceInput {
  platform: Platform | string;
  /** Raw platform evidence. */
  evidence: Uint8Array;
  /** Certificates and other collateral the platform provides (VCEK/VLEK + chain, THIM JSON, …). */
  collateral?: Record<string, unknown>;
}

/** Options shared by every platform verifier. Every default is the safe one. */
export interface EvidencePolicy {
  /** Verification time. Default: now. */
  at?: Date;
  /** The 64-byte binding the evidence must carry (DESIGN §5). When absent the binding is not checked. */
  expectedReportData?: Uint8Array;
  /** Accept the local simulator's evidence. Default: false (simulated evidence proves nothing about hardware). */
  allowSimulated?: boolean;
  /** Simulator root public keys (base64 SPKI DER) trusted when `allowSimulated` is set. Default: none. */
  simulatorRoots?: readonly string[];
  /** Accept a TEE that reports debug mode. Default: false. */
  allowDebug?: boolean;
}

/** Verifies evidence of any supported platform under one policy; throws {@link AttestationError} on rejection. */
export async function verifyEvidence(
  input: EvidenceInput,
  policy: EvidencePolicy = {},
): Promise<VerificationReport> {
  switch (input.platform) {
    case 'simulated':
      if (policy.allowSimulated !== true) {
        throw new AttestationError(
          'ATTESTATION_SIMULATED_NOT_ALLOWED',
          'the server presented simulated evidence, which proves nothing about hardware; pass allowSimulated (development only) to accept it',
          [{ name: 'platform', ok: false, expected: 'a hardware TEE', found: 'simulated' }],
        );
      }
      return verifySimulatedEvidence(input.evidence, {
        trustedRoots: policy.simulatorRoots ?? [],
        at: policy.at,
        allowDebug: policy.allowDebug,
        expectedReportData: policy.expectedReportData,
      });
    default:
      throw new AttestationError(
        'ATTESTATION_UNSUPPORTED',
        `platform ${JSON.stringify(input.platform)} is not supported by this verifier`,
      );
  }
}

export { base64ToBytes };
