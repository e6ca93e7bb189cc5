import type { KdsOptions } from './fetch-vcek.js';
import type { SnpSigningKey } from './parse-snp-report.js';
import type { ThimCollateral } from './parse-thim-collateral.js';
import type { SnpProduct, SnpTcb } from './snp-product.js';

/** Certificates that come with SEV-SNP evidence (the envelope's `collateral`). All optional. */
export interface SnpCollateral {
  /** The VCEK (PEM, base64 DER or DER). Used when the report's SIGNING_KEY says VCEK. */
  vcek?: string | Uint8Array;
  /** The VLEK (PEM, base64 DER or DER). Used when the report's SIGNING_KEY says VLEK. */
  vlek?: string | Uint8Array;
  /** ASK (or ASVK) then ARK, PEM, as KDS serves `cert_chain`. Default: the chain bundled in this package. */
  certChain?: string;
  /** Azure THIM collateral (ACI's host_amd_certificate.json): VCEK, chain and tcbm. */
  thim?: string | ThimCollateral;
}

/** SEV-SNP policy. Every default is the safe one. */
export interface SnpPolicy {
  /** Accept a guest whose policy has DEBUG (bit 19) set: the host can read its memory. Default: false. */
  allowDebug?: boolean;
  /** Accept a guest that allows a migration agent (policy bit 18), which can export its memory. Default: false. */
  allowMigrationAgent?: boolean;
  /** Accept a platform with SMT enabled (PLATFORM_INFO bit 0). Default: true (most clouds enable it). */
  allowSmt?: boolean;
  /** The VMPL the report must have been requested from. Default: any (0–3), reported in claims. */
  vmpl?: number;
  /** Lowest acceptable REPORTED_TCB, per component. Default: no minimum. */
  minimumTcb?: Partial<SnpTcb>;
  /** Lowest acceptable GUEST_SVN. Default: 0. */
  minimumGuestSvn?: number;
  /** CHIP_IDs (hex, 64 bytes) accepted. Default: any chip. */
  allowedChipIds?: readonly string[];
  /** Report signing keys accepted. Default: both `vcek` and `vlek`. */
  signingKeys?: readonly SnpSigningKey[];
  /** Products accepted. Default: Milan, Genoa, Turin. */
  products?: readonly SnpProduct[];
  /** Accepted MEASUREMENT values (hex, 48 bytes). Default: not checked here (the client checks releases). */
  measurements?: readonly string[];
  /** Accepted HOST_DATA values (hex, 32 bytes), e.g. ACI's SHA-256 of the CCE policy. Default: not checked. */
  hostData?: readonly string[];
  /** Fetch a missing VCEK from AMD KDS. Default: none (offline; a missing VCEK is an error). */
  kds?: KdsOptions;
}

/** Everything {@link verifySnpEvidence} needs besides the evidence. */
export interface SnpVerifyOptions extends SnpPolicy {
  /** Verification time for every certificate. Default: now. */
  at?: Date;
  /** The 64 bytes `report_data` must equal (the protocol binding); for HCL reports, the claims' `user-data`. Default: not checked. */
  expectedReportData?: Uint8Array;
  collateral?: SnpCollateral;
  /** `report` (1184 bytes) or `hcl` (Azure CVM HCL report). Default: detected from the "HCLA" signature. */
  format?: 'report' | 'hcl';
}
