import { AttestationError } from './attestation-error.js';
import { type NitroPolicy, verifyNitroDocument } from './nitro/verify-nitro-document.js';
import { type SnpCollateral, type SnpPolicy, verifySnpEvidence } from './sev-snp/verify-snp-report.js';
import { verifySimulatedEvidence } from './simulated/verify-simulated.js';
import { tdxEnvelopeCollateral } from './tdx/tdx-envelope-collateral.js';
import { type TdxPolicy, verifyTdxQuote } from './tdx/verify-tdx-quote.js';
import type { Platform, VerificationReport } from './verification-report.js';

/** Evidence as it travels in the protocol envelope. */
export interface EvidenceInput {
  platform: Platform | string;
  /** Raw platform evidence. */
  evidence: Uint8Array;
  /**
   * Certificates and other collateral the platform provides. SEV-SNP: `vcek` or `vlek` (PEM or
   * base64 DER), `certChain` (PEM: ASK/ASVK then ARK), `thim` (Azure THIM JSON, text or object).
   * Nitro: none (the document carries its chain). TDX: `tcbInfo`, `tcbInfoIssuerChain`, `qeIdentity`,
   * `qeIdentityIssuerChain`, `pckCrl`, `pckCrlIssuerChain`, `rootCrl` (see `TdxCollateral`).
   */
  collateral?: Record<string, unknown>;
}

/** Options shared by every platform verifier. Every default is the safe one. */
export interface EvidencePolicy {
  /** Verification time. Default: now. */
  at?: Date;
  /** The 64-byte binding the evidence must carry (docs/protocol.md §3.3). When absent the binding is not checked. */
  expectedReportData?: Uint8Array;
  /** Accept the local simulator's evidence. Default: false (simulated evidence proves nothing about hardware). */
  allowSimulated?: boolean;
  /** Simulator root public keys (base64 SPKI DER) trusted when `allowSimulated` is set. Default: none. */
  simulatorRoots?: readonly string[];
  /** Accept a TEE that reports debug mode. Default: false. */
  allowDebug?: boolean;
  /** SEV-SNP policy (TCB, VMPL, SMT, chips, measurements, host data, KDS fetch). Default: the safe defaults of {@link SnpPolicy}. */
  snp?: SnpPolicy;
  /** Nitro policy (PCRs, freshness window, nonce and public key). Default: the safe defaults of {@link NitroPolicy}. */
  nitro?: NitroPolicy;
  /** Intel TDX policy (TCB statuses, MRTD, RTMRs, MRCONFIGID, noCollateral). Default: the safe defaults of {@link TdxPolicy}. */
  tdx?: TdxPolicy;
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
    case 'sev-snp':
      return verifySnpEvidence(input.evidence, {
        ...policy.snp,
        allowDebug: policy.allowDebug === true || policy.snp?.allowDebug === true,
        ...(policy.at ? { at: policy.at } : {}),
        ...(policy.expectedReportData ? { expectedReportData: policy.expectedReportData } : {}),
        collateral: snpCollateral(input.collateral),
      });
    case 'nitro':
      return verifyNitroDocument(input.evidence, {
        ...policy.nitro,
        allowDebug: policy.allowDebug === true || policy.nitro?.allowDebug === true,
        ...(policy.at ? { at: policy.at } : {}),
        ...(policy.expectedReportData ? { expectedReportData: policy.expectedReportData } : {}),
      });
    case 'tdx':
      return verifyTdxQuote(input.evidence, {
        ...policy.tdx,
        allowDebug: policy.allowDebug === true || policy.tdx?.allowDebug === true,
        ...(policy.at ? { at: policy.at } : {}),
        ...(policy.expectedReportData ? { expectedReportData: policy.expectedReportData } : {}),
        collateral: tdxEnvelopeCollateral(input.collateral),
      });
    default:
      throw new AttestationError(
        'ATTESTATION_UNSUPPORTED',
        `platform ${JSON.stringify(input.platform)} is not supported by this verifier`,
        [
          {
            name: 'platform',
            ok: false,
            expected: 'simulated, sev-snp, nitro or tdx',
            found: String(input.platform),
          },
        ],
      );
  }
}

function snpCollateral(collateral: Record<string, unknown> = {}): SnpCollateral {
  const out: SnpCollateral = {};
  const text = (key: 'vcek' | 'vlek' | 'certChain'): void => {
    const value = collateral[key];
    if (value === undefined) return;
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
      throw new AttestationError(
        'ATTESTATION_MALFORMED_EVIDENCE',
        `collateral.${key} is neither text nor bytes`,
        [{ name: 'snp.collateral', ok: false, found: typeof value }],
      );
    }
    if (key === 'certChain')
      out.certChain = typeof value === 'string' ? value : new TextDecoder().decode(value);
    else out[key] = value;
  };
  text('vcek');
  text('vlek');
  text('certChain');
  const thim = collateral['thim'];
  if (thim !== undefined) {
    if (typeof thim !== 'string' && (typeof thim !== 'object' || thim === null)) {
      throw new AttestationError(
        'ATTESTATION_MALFORMED_EVIDENCE',
        'collateral.thim is neither JSON text nor an object',
        [{ name: 'snp.collateral', ok: false, found: typeof thim }],
      );
    }
    out.thim = thim as SnpCollateral['thim'] & {};
  }
  return out;
}
