import type { TcbStatus } from './parse-tcb-info.js';

/**
 * Intel collateral for a TDX quote, as Intel's PCS (or a PCCS cache) serves it; the field names
 * follow DCAP's `sgx_ql_qve_collateral_t`. Text fields so that the protocol envelope stays JSON.
 */
export interface TdxCollateral {
  /** `GET /tdx/certification/v4/tcb?fmspc=…` response body: `{"tcbInfo":{…},"signature":"…"}`. */
  tcbInfo?: string;
  /** Its `TCB-Info-Issuer-Chain` header (URL-decoded PEM): Intel SGX TCB Signing, then the root. */
  tcbInfoIssuerChain?: string;
  /** `GET /tdx/certification/v4/qe/identity` response body: `{"enclaveIdentity":{…},"signature":"…"}`. */
  qeIdentity?: string;
  /** Its `SGX-Enclave-Identity-Issuer-Chain` header (PEM). */
  qeIdentityIssuerChain?: string;
  /** `GET /sgx/certification/v4/pckcrl?ca=platform|processor`: DER bytes, PEM or base64 DER. */
  pckCrl?: string | Uint8Array;
  /** Its `SGX-PCK-CRL-Issuer-Chain` header (PEM): the PCK's issuing CA, then the root. Default: the CA in the quote. */
  pckCrlIssuerChain?: string;
  /** Intel SGX Root CA CRL (`IntelSGXRootCA.der`): DER bytes, PEM or base64 DER. */
  rootCrl?: string | Uint8Array;
}

/** TDX policy. Every default is the safe one. */
export interface TdxPolicy {
  /** Accept a TD whose TDATTRIBUTES has DEBUG (bit 0) set: the host can read and change its memory. Default: false. */
  allowDebug?: boolean;
  /**
   * Verify the quote and the PCK chain only, without TCB info, QE identity and CRLs: the platform's
   * TCB status, the Quoting Enclave's identity and revocation are then NOT assessed (the report says
   * so). Default: false (missing collateral is `ATTESTATION_MISSING_COLLATERAL`).
   */
  noCollateral?: boolean;
  /**
   * TCB statuses accepted, for the TDX platform (TCB info) and the QE (QE identity) alike.
   * `Revoked` is never accepted. Default: `['UpToDate']`.
   */
  acceptedTcbStatuses?: readonly TcbStatus[];
  /** Accepted MRTD values (hex, 48 bytes): the TD's initial contents (TDVF). Default: not checked here (the client checks releases). */
  mrtd?: readonly string[];
  /** RTMR values (hex, 48 bytes) by index 0–3; each given one must match. Default: none checked. */
  rtmrs?: Partial<Record<0 | 1 | 2 | 3, string>>;
  /** Accepted MRCONFIGID values (hex, 48 bytes), e.g. SHA-384 of a Kata/CoCo pod's initdata. Default: not checked. */
  mrConfigId?: readonly string[];
  /** Accepted PPIDs (hex, 16 bytes, from the PCK certificate): a platform allowlist against relays. Default: any platform. */
  allowedPpids?: readonly string[];
  /**
   * Accept bytes after the quote's declared end (covered by no signature, ignored and counted in the
   * report). Default: false: a quote read from configfs-tsm is exact.
   */
  allowTrailingBytes?: boolean;
}

/** Everything {@link verifyTdxQuote} needs besides the quote. */
export interface TdxVerifyOptions extends TdxPolicy {
  /** Verification time for every certificate, CRL and collateral item. Default: now. */
  at?: Date;
  /** The 64 bytes REPORTDATA must equal (the protocol binding). Default: not checked. */
  expectedReportData?: Uint8Array;
  collateral?: TdxCollateral;
}
