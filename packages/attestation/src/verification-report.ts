/** TEE platforms BlindBox knows. `simulated` is the local simulator: never trusted without `allowSimulated`. */
export type Platform = 'simulated' | 'sev-snp' | 'nitro' | 'tdx';

/** One check a verifier made, in the order it made them. */
export interface Check {
  /** Stable, dotted name, e.g. `snp.signature`, `nitro.chain.validity`, `binding.reportData`. */
  name: string;
  ok: boolean;
  /** What the policy or the specification required, in a printable form (hex for bytes). */
  expected?: string;
  /** What the evidence held, in the same form as `expected`. */
  found?: string;
}

/**
 * What every verifier returns when evidence is accepted. A verifier that rejects throws an
 * {@link AttestationError} carrying the checks made up to and including the failing one.
 */
export interface VerificationReport {
  platform: Platform;
  /** The launch measurement, lowercase hex (SNP MEASUREMENT, Nitro PCR0, simulated measurement). */
  measurement: string;
  /** The 64 bytes the TEE bound into the evidence (SNP/simulated `report_data`, Nitro `user_data`), hex. */
  reportData: string;
  /** SNP `host_data`, hex, when the platform has it. */
  hostData?: string;
  /** Nitro PCRs that are present, index → hex. */
  pcrs?: Record<number, string>;
  /** True when the evidence says the TEE runs in a debug mode (its memory is readable by the host). */
  debug: boolean;
  /** Every check made, all `ok: true` in an accepted report. */
  checks: Check[];
  /** The evidence's own fields, for display and audit (platform-specific, JSON-safe). */
  claims: Record<string, unknown>;
  /** The verification time used, ISO 8601. */
  verifiedAt: string;
}
