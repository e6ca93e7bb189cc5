import { hexEncode, utf8Decode } from '@blindbox/bytes';
import { AttestationError } from '../attestation-error.js';
import { parseCertificate } from '../x509/parse-certificate.js';
import { decodePckChain } from './decode-pck-chain.js';
import { parsePckExtensions } from './parse-pck-extensions.js';
import { parseTdxQuote } from './parse-tdx-quote.js';
import type { TdxCollateral } from './tdx-options.js';

/** The part of `fetch` the PCS client uses (a response body and its headers). */
export type PcsFetch = (url: string) => Promise<{
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/** How to reach Intel's Provisioning Certification Service or a PCCS. Nothing is fetched without it. */
export interface PcsOptions {
  /** The fetch to use (e.g. `globalThis.fetch`). Required: there is no implicit network access. */
  fetch: PcsFetch;
  /** PCS (or PCCS) base URL. Default: `https://api.trustedservices.intel.com`. */
  baseUrl?: string;
  /** Intel SGX Root CA CRL URL. Default: `https://certificates.trustedservices.intel.com/IntelSGXRootCA.der`. */
  rootCrlUrl?: string;
}

/** What selects the collateral of one platform: its FMSPC and the CA that issued its PCK. */
export interface TdxCollateralTarget {
  /** FMSPC, 12 hex digits. */
  fmspc: string;
  ca: 'platform' | 'processor';
}

/** The FMSPC and PCK CA named by a quote's own PCK certificate (parsed, not yet verified). */
export function tdxCollateralTarget(quote: Uint8Array): TdxCollateralTarget {
  const [pckDer, caDer] = decodePckChain(parseTdxQuote(quote, { allowTrailingBytes: true }).pckChainPem);
  const ext = parsePckExtensions(parseCertificate(pckDer!));
  const ca =
    parseCertificate(caDer!).subjectCommonName === 'Intel SGX PCK Processor CA' ? 'processor' : 'platform';
  return { fmspc: hexEncode(ext.fmspc), ca };
}

async function get(
  options: PcsOptions,
  url: string,
  header?: string,
): Promise<{ body: Uint8Array; chain?: string }> {
  let response: Awaited<ReturnType<PcsFetch>>;
  try {
    response = await options.fetch(url);
  } catch (cause) {
    throw new AttestationError('ATTESTATION_MISSING_COLLATERAL', `fetching ${url} failed`, [], { cause });
  }
  if (!response.ok) {
    throw new AttestationError('ATTESTATION_MISSING_COLLATERAL', `${url} answered HTTP ${response.status}`);
  }
  const body = new Uint8Array(await response.arrayBuffer());
  if (header === undefined) return { body };
  const value = response.headers.get(header);
  if (!value) throw new AttestationError('ATTESTATION_MISSING_COLLATERAL', `${url} sent no ${header} header`);
  // Intel PCS API v4: the issuer chain header is the URL-encoded PEM chain.
  return { body, chain: decodeURIComponent(value) };
}

function text(body: Uint8Array, what: string): string {
  try {
    return utf8Decode(body);
  } catch {
    throw new AttestationError('ATTESTATION_MALFORMED_EVIDENCE', `${what} is not UTF-8 text`);
  }
}

/**
 * Fetches a platform's TDX collateral from Intel's PCS (API v4) or a PCCS: TCB info and QE identity
 * with their issuer chains, the PCK CRL of the platform's CA with its chain, and the root CRL.
 * Everything fetched is untrusted until the verifier checks Intel's signatures, the chains to the
 * pinned root and the dates, exactly as for collateral from anywhere else.
 */
export async function fetchTdxCollateral(
  target: TdxCollateralTarget,
  options: PcsOptions,
): Promise<TdxCollateral> {
  if (!/^[0-9a-fA-F]{12}$/.test(target.fmspc)) {
    throw new AttestationError('ATTESTATION_POLICY', `FMSPC "${target.fmspc}" is not 12 hex digits`);
  }
  const base = (options.baseUrl ?? 'https://api.trustedservices.intel.com').replace(/\/$/, '');
  const [tcb, qe, pckCrl, rootCrl] = await Promise.all([
    get(options, `${base}/tdx/certification/v4/tcb?fmspc=${target.fmspc}`, 'TCB-Info-Issuer-Chain'),
    get(options, `${base}/tdx/certification/v4/qe/identity`, 'SGX-Enclave-Identity-Issuer-Chain'),
    get(
      options,
      `${base}/sgx/certification/v4/pckcrl?ca=${target.ca}&encoding=der`,
      'SGX-PCK-CRL-Issuer-Chain',
    ),
    get(options, options.rootCrlUrl ?? 'https://certificates.trustedservices.intel.com/IntelSGXRootCA.der'),
  ]);
  return {
    tcbInfo: text(tcb.body, 'TCB info'),
    tcbInfoIssuerChain: tcb.chain!,
    qeIdentity: text(qe.body, 'QE identity'),
    qeIdentityIssuerChain: qe.chain!,
    pckCrl: pckCrl.body,
    pckCrlIssuerChain: pckCrl.chain!,
    rootCrl: rootCrl.body,
  };
}
