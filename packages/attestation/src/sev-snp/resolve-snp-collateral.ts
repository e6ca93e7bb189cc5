import { AttestationError } from '../attestation-error.js';
import type { CheckList } from '../verifier/check-list.js';
import {
  type Certificate,
  certificateBytes,
  decodePemCertificates,
  parseCertificate,
} from '../x509/parse-certificate.js';
import { fetchVcek } from './fetch-vcek.js';
import type { SnpReport } from './parse-snp-report.js';
import { type ParsedThimCollateral, parseThimCollateral } from './parse-thim-collateral.js';
import type { SnpCollateral, SnpVerifyOptions } from './snp-policy.js';
import { decodeTcb, productFromCpuid } from './snp-product.js';

/** The certificates a report is checked with, none of them trusted yet. */
export interface SnpCollateralSet {
  /** The VCEK or VLEK that must have signed the report. */
  leaf: Certificate;
  /** ASK/ASVK and optionally ARK (DER), when supplied; otherwise the bundled chain is used. */
  chain?: Uint8Array[];
  /** Azure THIM collateral, when supplied: its tcbm is checked against the report. */
  thim?: ParsedThimCollateral;
}

function suppliedChain(collateral: SnpCollateral): Uint8Array[] | undefined {
  if (collateral.certChain === undefined) return undefined;
  const chain = decodePemCertificates(collateral.certChain);
  if (chain.length < 1 || chain.length > 2) {
    throw new AttestationError(
      'ATTESTATION_MALFORMED_EVIDENCE',
      `certChain holds ${chain.length} certificates; expected the ASK/ASVK and optionally the ARK`,
    );
  }
  return chain;
}

/** The leaf from the collateral: `vcek` or THIM's VCEK for a VCEK-signed report, `vlek` for a VLEK-signed one. */
function suppliedLeaf(
  report: SnpReport,
  collateral: SnpCollateral,
  thim: ParsedThimCollateral | undefined,
): { der?: Uint8Array; chain?: Uint8Array[] } {
  if (report.signingKey === 'vlek') {
    return collateral.vlek === undefined ? {} : { der: certificateBytes(collateral.vlek) };
  }
  if (collateral.vcek !== undefined) return { der: certificateBytes(collateral.vcek) };
  return thim ? { der: thim.vcek, chain: thim.chain } : {};
}

/** A VCEK from AMD KDS, when the policy allows fetching and the product is known. */
async function fetchedVcek(
  report: SnpReport,
  options: Pick<SnpVerifyOptions, 'kds' | 'products'>,
  checks: CheckList,
): Promise<Uint8Array | undefined> {
  if (report.signingKey !== 'vcek' || !options.kds) return undefined;
  const product =
    productFromCpuid(report.cpuidFamily, report.cpuidModel) ??
    (options.products?.length === 1 ? options.products[0] : undefined);
  if (!product) {
    throw new AttestationError(
      'ATTESTATION_MISSING_COLLATERAL',
      `a version ${report.version} report does not name its product; pass policy products: ['Milan'|'Genoa'|'Turin'] or ship the VCEK`,
      [...checks.checks],
    );
  }
  const der = await fetchVcek(product, report.chipId, decodeTcb(report.reportedTcb, product), options.kds);
  checks.pass('snp.collateral.kds', { found: product });
  return der;
}

/**
 * Step 2, resolve collateral: finds the certificate that must have signed the report (shipped VCEK or
 * VLEK, THIM's VCEK, or, only when `kds` is given, a VCEK fetched from AMD) and the chain shipped with
 * it. Nothing here is trusted: the next steps verify it all against the pinned ARK.
 */
export async function resolveSnpCollateral(
  report: SnpReport,
  options: Pick<SnpVerifyOptions, 'collateral' | 'kds' | 'products'>,
  checks: CheckList,
): Promise<SnpCollateralSet> {
  const collateral = options.collateral ?? {};
  const thim = collateral.thim === undefined ? undefined : parseThimCollateral(collateral.thim);
  let chain = suppliedChain(collateral);
  const supplied = suppliedLeaf(report, collateral, thim);
  chain ??= supplied.chain;
  const leafDer = supplied.der ?? (await fetchedVcek(report, options, checks));
  checks.require(
    leafDer !== undefined,
    'snp.collateral',
    'ATTESTATION_MISSING_COLLATERAL',
    report.signingKey === 'vcek'
      ? 'no VCEK: ship it in the collateral (vcek, or THIM), or pass kds: { fetch } to fetch it from AMD'
      : 'no VLEK: a VLEK cannot be fetched from AMD, the platform must ship it in the collateral',
    { expected: report.signingKey },
  );
  const leaf = parseCertificate(leafDer as Uint8Array);
  return { leaf, ...(chain ? { chain } : {}), ...(thim ? { thim } : {}) };
}
