import { base64DecodeLenient } from '@blindbox/bytes';
import { PINNED_ROOTS } from '../pinned-roots.js';
import type { CheckList } from '../verifier/check-list.js';
import { type Certificate, parseCertificate } from '../x509/parse-certificate.js';
import { verifyCertificateChain } from '../x509/verify-certificate-chain.js';
import {
  ARK_GENOA,
  ARK_MILAN,
  ARK_TURIN,
  ASK_GENOA,
  ASK_MILAN,
  ASK_TURIN,
  ASVK_GENOA,
  ASVK_MILAN,
  ASVK_TURIN,
} from './amd-cert-chains.js';
import type { SnpReport, SnpSigningKey } from './parse-snp-report.js';
import type { SnpCollateralSet } from './resolve-snp-collateral.js';
import type { SnpPolicy } from './snp-policy.js';
import { productFromCpuid, productFromName, SNP_PRODUCTS, type SnpProduct } from './snp-product.js';

const BUNDLED: Record<SnpProduct, { ark: string; ask: string; asvk: string }> = {
  Milan: { ark: ARK_MILAN, ask: ASK_MILAN, asvk: ASVK_MILAN },
  Genoa: { ark: ARK_GENOA, ask: ASK_GENOA, asvk: ASVK_GENOA },
  Turin: { ark: ARK_TURIN, ask: ASK_TURIN, asvk: ASVK_TURIN },
};

const parsedBundled = new Map<string, Certificate>();
function bundled(b64: string): Certificate {
  let cert = parsedBundled.get(b64);
  if (!cert) {
    cert = parseCertificate(base64DecodeLenient(b64));
    parsedBundled.set(b64, cert);
  }
  return cert;
}

/** Verifies the AMD chain (leaf → ASK/ASVK → pinned ARK) for a VCEK or VLEK at `at`. */
export async function verifyVcekChain(
  leaf: Certificate,
  options: {
    at: Date;
    checks: CheckList;
    signingKey: SnpSigningKey;
    chain?: readonly Uint8Array[];
    product?: SnpProduct;
  },
): Promise<SnpProduct> {
  const { checks, signingKey } = options;
  const product = productFromName(leaf.issuerCommonName);
  const issuerPrefix = signingKey === 'vcek' ? 'SEV-' : 'SEV-VLEK-';
  checks.require(
    product !== undefined && leaf.issuerCommonName === `${issuerPrefix}${product}`,
    `snp.${signingKey}.issuer`,
    'ATTESTATION_CERT_CHAIN',
    `the ${signingKey.toUpperCase()} certificate is issued by "${leaf.issuerCommonName}", not by an AMD ${signingKey === 'vcek' ? 'ASK (SEV-<product>)' : 'ASVK (SEV-VLEK-<product>)'}`,
    { expected: `${issuerPrefix}{${SNP_PRODUCTS.join('|')}}`, found: leaf.issuerCommonName },
  );
  const p = product as SnpProduct;
  if (options.product) {
    checks.require(
      options.product === p,
      'snp.product',
      'ATTESTATION_CERT_CHAIN',
      `the report comes from a ${options.product} processor but its ${signingKey.toUpperCase()} chains to ${p}`,
      { expected: options.product, found: p },
    );
  }
  // KDS serves cert_chain as ASK then ARK; accept either order, telling them apart by subject name.
  // A supplied ARK is only used if its fingerprint is the pinned one (checked below).
  const supplied = (options.chain ?? []).map((der) => parseCertificate(der));
  const isArk = (c: Certificate) => c.subjectCommonName.startsWith('ARK-');
  const intermediate =
    supplied.find((c) => !isArk(c)) ?? bundled(signingKey === 'vcek' ? BUNDLED[p].ask : BUNDLED[p].asvk);
  const ark = supplied.find(isArk) ?? bundled(BUNDLED[p].ark);
  await verifyCertificateChain(
    [
      { label: signingKey, cert: leaf },
      { label: signingKey === 'vcek' ? 'ask' : 'asvk', cert: intermediate },
      { label: 'ark', cert: ark },
    ],
    { at: options.at, pinnedRootSha256: [PINNED_ROOTS.amdArk[p]], checks, prefix: 'snp.chain' },
  );
  return p;
}

/**
 * Step 3, chain: the VCEK/VLEK chains to the pinned ARK of the product the report's CPUID names
 * (every certificate valid at `at`), and that product is one the policy accepts.
 */
export async function checkSnpChain(
  report: SnpReport,
  collateral: SnpCollateralSet,
  options: Pick<SnpPolicy, 'products'> & { at: Date },
  checks: CheckList,
): Promise<SnpProduct> {
  const cpuidProduct = productFromCpuid(report.cpuidFamily, report.cpuidModel);
  const product = await verifyVcekChain(collateral.leaf, {
    at: options.at,
    checks,
    signingKey: report.signingKey,
    ...(collateral.chain ? { chain: collateral.chain } : {}),
    ...(cpuidProduct ? { product: cpuidProduct } : {}),
  });
  const allowedProducts = options.products ?? SNP_PRODUCTS;
  checks.require(
    allowedProducts.includes(product),
    'snp.product.allowed',
    'ATTESTATION_POLICY',
    `${product} processors are not accepted by the policy`,
    { expected: allowedProducts.join(','), found: product },
  );
  return product;
}
