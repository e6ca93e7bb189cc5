import {
  fetchTdxCollateral,
  type PcsFetch,
  type TdxCollateral,
  tdxCollateralTarget,
} from '@blindbox/attestation';

/** Options of {@link pcsCollateralSource}. */
export interface PcsCollateralSourceOptions {
  /** Intel PCS or a PCCS, e.g. `https://pccs.internal:8081`. Required: the TD never guesses a URL. */
  baseUrl: string;
  /** Root CA CRL URL. Default: Intel's (`https://certificates.trustedservices.intel.com/IntelSGXRootCA.der`). */
  rootCrlUrl?: string;
  /** Default: `globalThis.fetch`. */
  fetch?: PcsFetch;
  /** How long fetched collateral is reused, in milliseconds. Default: 1 hour (Intel reissues it about monthly). */
  maxAgeMs?: number;
  /** Clock. Default: `Date.now`. */
  now?: () => number;
}

/**
 * A `TdxConfigfsProvider` collateral source: Intel's collateral for the quote's platform (FMSPC and
 * PCK CA from the quote), fetched from a PCS/PCCS and reused for `maxAgeMs`. When a refresh fails
 * the last collateral is served again: it is signed by Intel and carries its own dates, which the
 * client checks, so a stale copy is refused there rather than trusted here.
 */
export function pcsCollateralSource(
  options: PcsCollateralSourceOptions,
): (quote: Uint8Array) => Promise<TdxCollateral> {
  const cache = new Map<string, { at: number; collateral: TdxCollateral }>();
  const maxAge = options.maxAgeMs ?? 3_600_000;
  const now = options.now ?? Date.now;
  const fetch = options.fetch ?? (globalThis.fetch as PcsFetch);
  return async (quote) => {
    const target = tdxCollateralTarget(quote);
    const key = `${target.fmspc}/${target.ca}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < maxAge) return hit.collateral;
    try {
      const collateral = await fetchTdxCollateral(target, {
        fetch,
        baseUrl: options.baseUrl,
        ...(options.rootCrlUrl ? { rootCrlUrl: options.rootCrlUrl } : {}),
      });
      cache.set(key, { at: now(), collateral });
      return collateral;
    } catch (err) {
      if (hit) return hit.collateral;
      throw err;
    }
  };
}
