import { hexEncode } from '@blindbox/bytes';
import { AttestationError } from '../attestation-error.js';
import { parseCertificate } from '../x509/parse-certificate.js';
import type { SnpProduct, SnpTcb } from './snp-product.js';

/** The part of `fetch` the collateral fetcher uses, so tests and runtimes can inject their own. */
export type FetchLike = (
  url: string,
) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Where fetched collateral is kept between verifications. */
export interface CollateralCache {
  get(key: string): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): void | Promise<void>;
}

/** A process-local {@link CollateralCache}. VCEKs are immutable for a (chip, TCB), so no expiry is needed. */
export class MemoryCollateralCache implements CollateralCache {
  readonly #entries = new Map<string, Uint8Array>();
  get(key: string): Uint8Array | undefined {
    return this.#entries.get(key);
  }
  set(key: string, value: Uint8Array): void {
    this.#entries.set(key, value);
  }
}

/** How to reach AMD's Key Distribution Service. Nothing is fetched unless this is given. */
export interface KdsOptions {
  /** The fetch to use (e.g. `globalThis.fetch`). Required: there is no implicit network access. */
  fetch: FetchLike;
  /** Cache of fetched certificates. Default: none (fetch every time). */
  cache?: CollateralCache;
  /** KDS base URL. Default: `https://kdsintf.amd.com`. */
  baseUrl?: string;
}

/**
 * The KDS URL of the VCEK for a chip at a TCB (AMD VCEK specification #57230 §4.1: GET
 * /vcek/v1/{product}/{hwid}?blSPL=&teeSPL=&snpSPL=&ucodeSPL=; Turin: 8-byte hwid and fmcSPL).
 */
export function vcekUrl(
  product: SnpProduct,
  chipId: Uint8Array,
  tcb: SnpTcb,
  baseUrl = 'https://kdsintf.amd.com',
): string {
  const hwid = hexEncode(product === 'Turin' ? chipId.subarray(0, 8) : chipId);
  const q = new URLSearchParams();
  if (product === 'Turin') q.set('fmcSPL', String(tcb.fmc ?? 0));
  q.set('blSPL', String(tcb.bootloader));
  q.set('teeSPL', String(tcb.tee));
  q.set('snpSPL', String(tcb.snp));
  q.set('ucodeSPL', String(tcb.microcode));
  return `${baseUrl.replace(/\/$/, '')}/vcek/v1/${product}/${hwid}?${q.toString()}`;
}

/**
 * Fetches a VCEK (DER) from KDS through the injected fetch, using the cache when given. What it
 * returns is untrusted until the caller verifies it against the pinned ARK like any other VCEK.
 */
export async function fetchVcek(
  product: SnpProduct,
  chipId: Uint8Array,
  tcb: SnpTcb,
  kds: KdsOptions,
): Promise<Uint8Array> {
  const url = vcekUrl(product, chipId, tcb, kds.baseUrl);
  const cached = await kds.cache?.get(url);
  if (cached) return cached;
  let body: Uint8Array;
  try {
    const res = await kds.fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = new Uint8Array(await res.arrayBuffer());
  } catch (cause) {
    throw new AttestationError(
      'ATTESTATION_MISSING_COLLATERAL',
      `could not fetch the VCEK from ${url}: ${cause instanceof Error ? cause.message : String(cause)}; ship the VCEK in the evidence collateral to verify offline`,
      [],
      { cause },
    );
  }
  // Cache only what parses as a certificate, so one bad response does not stick. (A certificate that
  // parses but does not verify is still refused by the chain check on every use.)
  parseCertificate(body);
  await kds.cache?.set(url, body);
  return body;
}
