import type { EvidenceFormat } from './decode-evidence-file.js';

/** What every platform's request carries. */
export interface EvidenceVerifyCommon {
  /** The evidence file's bytes. */
  file: Uint8Array;
  /** Default: detected (hex or base64 text, else raw; an "HCLA" header means hcl). */
  format?: EvidenceFormat;
  /** Default: now. */
  at?: Date;
  /** Accept a debug-mode TEE. Default: false. */
  allowDebug?: boolean;
  /** Required measurement, hex (SNP MEASUREMENT, Nitro PCR0). Default: any. */
  expectMeasurement?: string;
  /** Required report data, hex (SNP report_data, Nitro user_data). Default: any. */
  expectReportData?: string;
}

/** AMD SEV-SNP: the report's collateral comes from files, or from the chain bundled for the product. */
export interface SnpEvidenceVerifyRequest extends EvidenceVerifyCommon {
  platform: 'sev-snp';
  /** VCEK or VLEK (PEM or DER). Default: none. */
  cert?: Uint8Array;
  /** ASK/ASVK + ARK, PEM. Default: the chain bundled for the product. */
  chain?: string;
  /** Azure THIM JSON. Default: none. */
  thim?: string;
  /** Required HOST_DATA, hex. Default: any. */
  expectHostData?: string;
}

/** AWS Nitro: the attestation document carries its own certificate chain. */
export interface NitroEvidenceVerifyRequest extends EvidenceVerifyCommon {
  platform: 'nitro';
  /** PCR index → hex. Must name PCR0 (the image) or PCR8 (its signer) when given. Default: none. */
  expectPcrs?: Record<number, string>;
  /** Freshness window in seconds. Default: the verifier's (3 hours). */
  maxAgeSeconds?: number;
}

/** Intel TDX: the quote carries its PCK chain; Intel's collateral comes from files, or --no-collateral. */
export interface TdxEvidenceVerifyRequest extends EvidenceVerifyCommon {
  platform: 'tdx';
  /** PCS TCB info body. Default: none. */
  tcbInfo?: string;
  /** Its issuer chain, PEM. Default: none. */
  tcbInfoChain?: string;
  /** PCS QE identity body. Default: none. */
  qeIdentity?: string;
  /** Its issuer chain, PEM. Default: none. */
  qeIdentityChain?: string;
  /** PCK CRL, DER or PEM. Default: none. */
  pckCrl?: Uint8Array;
  /** Its issuer chain, PEM. Default: the CA in the quote. */
  pckCrlChain?: string;
  /** Root CA CRL, DER or PEM. Default: none. */
  rootCrl?: Uint8Array;
  /** Verify the quote and PCK chain only; the TCB is not assessed. Default: false. */
  noCollateral?: boolean;
  /** TCB statuses accepted besides UpToDate. Default: none. */
  acceptTcbStatus?: string[];
  /** Required MRTD, hex. Default: any. */
  expectMrtd?: string;
  /** Required MRCONFIGID, hex. Default: any. */
  expectMrConfigId?: string;
  /** RTMR index → required hex. Default: none. */
  expectRtmrs?: Record<number, string>;
  /** Accept bytes after the quote. Default: false. */
  allowTrailingBytes?: boolean;
}

/**
 * What `blindbox evidence verify` checks, already read from files and flags. One shape per
 * platform, so that a flag of one platform cannot be passed to, and silently ignored by, another.
 */
export type EvidenceVerifyRequest =
  | SnpEvidenceVerifyRequest
  | NitroEvidenceVerifyRequest
  | TdxEvidenceVerifyRequest;

/** The platforms `evidence verify` checks. */
export type EvidencePlatform = EvidenceVerifyRequest['platform'];
