import { AttestationError, CheckList, runChecks } from '../attestation-error.js';
import { base64ToBytes } from '../base64.js';
import { bytesEqual, fromHex, toHex } from '../bytes.js';
import { PINNED_ROOTS } from '../pinned-roots.js';
import type { VerificationReport } from '../verification-report.js';
import {
  type Certificate,
  certificateBytes,
  decodePemCertificates,
  parseCertificate,
} from '../x509/parse-certificate.js';
import { verifyCertificateChain } from '../x509/verify-certificate-chain.js';
import { verifySignature } from '../x509/verify-signature.js';
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
import { fetchVcek, type KdsOptions } from './fetch-vcek.js';
import { type HclReport, hclBindsRuntimeData, isHclReport, parseHclReport } from './parse-hcl-report.js';
import {
  parseSnpReport,
  SNP_PLATFORM_INFO,
  SNP_POLICY,
  type SnpReport,
  type SnpSigningKey,
} from './parse-snp-report.js';
import { parseThimCollateral, type ThimCollateral } from './parse-thim-collateral.js';
import { parseVcekExtensions } from './parse-vcek-extensions.js';
import {
  decodeTcb,
  productFromCpuid,
  productFromName,
  SNP_PRODUCTS,
  type SnpProduct,
  type SnpTcb,
  tcbHex,
} from './snp-product.js';

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

const BUNDLED: Record<SnpProduct, { ark: string; ask: string; asvk: string }> = {
  Milan: { ark: ARK_MILAN, ask: ASK_MILAN, asvk: ASVK_MILAN },
  Genoa: { ark: ARK_GENOA, ask: ASK_GENOA, asvk: ASVK_GENOA },
  Turin: { ark: ARK_TURIN, ask: ASK_TURIN, asvk: ASVK_TURIN },
};

const parsedBundled = new Map<string, Certificate>();
function bundled(b64: string): Certificate {
  let cert = parsedBundled.get(b64);
  if (!cert) {
    cert = parseCertificate(base64ToBytes(b64));
    parsedBundled.set(b64, cert);
  }
  return cert;
}

function tcbText(t: SnpTcb): string {
  return `bl=${t.bootloader} tee=${t.tee} snp=${t.snp} ucode=${t.microcode}${t.fmc === undefined ? '' : ` fmc=${t.fmc}`}`;
}

function hexList(values: readonly string[], bytes: number, what: string): string[] {
  return values.map((v) => {
    const clean = v.trim().toLowerCase();
    if (!/^[0-9a-f]*$/.test(clean) || clean.length !== bytes * 2) {
      throw new AttestationError('ATTESTATION_POLICY', `policy ${what} "${v}" is not ${bytes} bytes of hex`);
    }
    return clean;
  });
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
 * Verifies SEV-SNP evidence: a raw ATTESTATION_REPORT or an Azure HCL report. Checks, in order:
 * layout, signing key, certificate chain to the pinned ARK (validity at `at`), the report's ECDSA
 * P-384 signature, the VCEK's TCB and hwID extensions, THIM's tcbm, then policy (debug, migration
 * agent, SMT, VMPL, TCB, guest SVN, chip), measurement, host data and the binding. Throws
 * {@link AttestationError} at the first failure.
 */
export async function verifySnpEvidence(
  evidence: Uint8Array,
  options: SnpVerifyOptions = {},
): Promise<VerificationReport> {
  const checks = new CheckList();
  return runChecks(checks, 'snp.evidence', () => verifySnp(evidence, options, checks));
}

async function verifySnp(
  evidence: Uint8Array,
  options: SnpVerifyOptions,
  checks: CheckList,
): Promise<VerificationReport> {
  const at = options.at ?? new Date();
  const format = options.format ?? (isHclReport(evidence) ? 'hcl' : 'report');
  let hcl: HclReport | undefined;
  let reportBytes = evidence;
  if (format === 'hcl') {
    hcl = parseHclReport(evidence);
    reportBytes = hcl.snpReport;
    checks.pass('snp.hcl.layout', {
      found: `${hcl.runtimeData.length} bytes of runtime claims, ${hcl.hashType}`,
    });
  }
  const report = parseSnpReport(reportBytes);
  checks.pass('snp.report.layout', { found: `version ${report.version}` });
  checks.require(
    !report.maskChipKey,
    'snp.report.maskChipKey',
    'ATTESTATION_UNSUPPORTED',
    'the report was produced with MASK_CHIP_KEY set and carries no chip signature',
    { expected: 'false', found: String(report.maskChipKey) },
  );
  const allowedKeys = options.signingKeys ?? ['vcek', 'vlek'];
  checks.require(
    allowedKeys.includes(report.signingKey),
    'snp.signingKey',
    'ATTESTATION_POLICY',
    `the report is signed by a ${report.signingKey.toUpperCase()}, which the policy does not accept`,
    { expected: allowedKeys.join(','), found: report.signingKey },
  );

  const cpuidProduct = productFromCpuid(report.cpuidFamily, report.cpuidModel);
  const collateral = options.collateral ?? {};
  const thim = collateral.thim === undefined ? undefined : parseThimCollateral(collateral.thim);
  let leafDer: Uint8Array | undefined;
  let chain: Uint8Array[] | undefined;
  if (collateral.certChain !== undefined) {
    chain = decodePemCertificates(collateral.certChain);
    if (chain.length < 1 || chain.length > 2) {
      throw new AttestationError(
        'ATTESTATION_MALFORMED_EVIDENCE',
        `certChain holds ${chain.length} certificates; expected the ASK/ASVK and optionally the ARK`,
      );
    }
  }
  if (report.signingKey === 'vcek') {
    if (collateral.vcek !== undefined) leafDer = certificateBytes(collateral.vcek);
    else if (thim) {
      leafDer = thim.vcek;
      chain ??= thim.chain;
    }
  } else if (collateral.vlek !== undefined) {
    leafDer = certificateBytes(collateral.vlek);
  }
  if (leafDer === undefined && report.signingKey === 'vcek' && options.kds) {
    const product = cpuidProduct ?? (options.products?.length === 1 ? options.products[0] : undefined);
    if (!product) {
      throw new AttestationError(
        'ATTESTATION_MISSING_COLLATERAL',
        `a version ${report.version} report does not name its product; pass policy products: ['Milan'|'Genoa'|'Turin'] or ship the VCEK`,
        [...checks.checks],
      );
    }
    leafDer = await fetchVcek(product, report.chipId, decodeTcb(report.reportedTcb, product), options.kds);
    checks.pass('snp.collateral.kds', { found: product });
  }
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
  const product = await verifyVcekChain(leaf, {
    at,
    checks,
    signingKey: report.signingKey,
    ...(chain ? { chain } : {}),
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

  // SEV-SNP ABI spec "Signature Structure": ECDSA P-384 with SHA-384 over bytes 0x0–0x29F.
  const leafKey = leaf.publicKey;
  checks.require(
    leafKey.kind === 'ec' && leafKey.curve === 'P-384',
    'snp.key',
    'ATTESTATION_CERT_CHAIN',
    `the ${report.signingKey.toUpperCase()} does not hold a P-384 key`,
  );
  const signature = new Uint8Array(96);
  signature.set(report.signatureR, 0);
  signature.set(report.signatureS, 48);
  const signed = await verifySignature(leafKey, { kind: 'ecdsa', hash: 'SHA-384' }, report.signed, signature);
  checks.require(
    signed,
    'snp.signature',
    'ATTESTATION_BAD_SIGNATURE',
    `the report signature does not verify with the ${report.signingKey.toUpperCase()}: the report was altered or signed by another chip`,
  );

  // VCEK spec Table 8: the certificate's SPLs are the TCB it was derived for, so they must equal REPORTED_TCB.
  const ext = parseVcekExtensions(leaf, product === 'Turin');
  const reported = decodeTcb(report.reportedTcb, product);
  const tcbMatches =
    ext.tcb.bootloader === reported.bootloader &&
    ext.tcb.tee === reported.tee &&
    ext.tcb.snp === reported.snp &&
    ext.tcb.microcode === reported.microcode &&
    ext.tcb.fmc === reported.fmc;
  checks.require(
    tcbMatches,
    `snp.${report.signingKey}.tcb`,
    'ATTESTATION_TCB',
    `the ${report.signingKey.toUpperCase()} was issued for TCB ${tcbText(ext.tcb)} but the report says ${tcbText(reported)}`,
    { expected: tcbText(reported), found: tcbText(ext.tcb) },
  );
  if (report.signingKey === 'vcek') {
    const chipId = product === 'Turin' ? report.chipId.subarray(0, 8) : report.chipId;
    const masked = report.chipId.every((b) => b === 0);
    // A VCEK is unique to one chip: its hwID must name the chip the report says it comes from
    // (unless the host masked CHIP_ID, in which case the VCEK signature alone ties report and chip).
    checks.require(
      ext.hwid !== undefined && (masked || bytesEqual(ext.hwid, chipId)),
      'snp.vcek.hwid',
      'ATTESTATION_CERT_CHAIN',
      'the VCEK hwID does not match the report CHIP_ID: the VCEK belongs to another chip',
      { expected: toHex(chipId), found: ext.hwid ? toHex(ext.hwid) : '(none)' },
    );
  }
  if (thim) {
    checks.require(
      bytesEqual(thim.tcb, report.reportedTcb),
      'snp.thim.tcbm',
      'ATTESTATION_TCB',
      `THIM says the VCEK is for tcbm ${thim.tcbm}, the report says ${tcbHex(report.reportedTcb)}`,
      { expected: tcbHex(report.reportedTcb), found: thim.tcbm },
    );
  }

  // Guest policy (SEV-SNP ABI spec "Guest Policy Structure").
  const debug = (report.policy & SNP_POLICY.DEBUG) !== 0n;
  checks.require(
    !debug || options.allowDebug === true,
    'snp.policy.debug',
    'ATTESTATION_DEBUG',
    'the guest policy allows debugging (bit 19): the host can read and change its memory; pass allowDebug to accept it (never in production)',
    { expected: 'false', found: String(debug) },
  );
  const migrationAgent = (report.policy & SNP_POLICY.MIGRATE_MA) !== 0n;
  checks.require(
    !migrationAgent || options.allowMigrationAgent === true,
    'snp.policy.migrationAgent',
    'ATTESTATION_POLICY',
    'the guest policy allows a migration agent (bit 18), which can export its memory; pass allowMigrationAgent to accept it',
    { expected: 'false', found: String(migrationAgent) },
  );
  const smt = (report.platformInfo & SNP_PLATFORM_INFO.SMT_EN) !== 0n;
  checks.require(
    !smt || options.allowSmt !== false,
    'snp.platform.smt',
    'ATTESTATION_POLICY',
    'the platform has SMT enabled and the policy forbids it',
    { expected: options.allowSmt === false ? 'false' : 'any', found: String(smt) },
  );
  checks.require(
    options.vmpl === undefined || report.vmpl === options.vmpl,
    'snp.vmpl',
    'ATTESTATION_POLICY',
    `the report was requested from VMPL ${report.vmpl}, the policy requires VMPL ${options.vmpl}`,
    { expected: options.vmpl === undefined ? 'any' : String(options.vmpl), found: String(report.vmpl) },
  );
  const min = options.minimumTcb ?? {};
  const tcbKeys = ['bootloader', 'tee', 'snp', 'microcode', 'fmc'] as const;
  const below = tcbKeys.filter((k) => min[k] !== undefined && (reported[k] ?? 0) < (min[k] as number));
  checks.require(
    below.length === 0,
    'snp.tcb.minimum',
    'ATTESTATION_TCB',
    `the reported TCB (${tcbText(reported)}) is below the policy minimum for ${below.join(', ')}: the platform needs a firmware update`,
    { expected: JSON.stringify(min), found: tcbText(reported) },
  );
  const minSvn = options.minimumGuestSvn ?? 0;
  checks.require(
    report.guestSvn >= minSvn,
    'snp.guestSvn',
    'ATTESTATION_POLICY',
    `GUEST_SVN ${report.guestSvn} is below the policy minimum ${minSvn}`,
    { expected: `>= ${minSvn}`, found: String(report.guestSvn) },
  );
  if (options.allowedChipIds) {
    const allowed = hexList(options.allowedChipIds, 64, 'chip id');
    checks.require(
      allowed.includes(toHex(report.chipId)),
      'snp.chipId',
      'ATTESTATION_POLICY',
      'the report comes from a chip the policy does not list',
      { expected: allowed.join(','), found: toHex(report.chipId) },
    );
  }

  const measurement = toHex(report.measurement);
  if (options.measurements) {
    const accepted = hexList(options.measurements, 48, 'measurement');
    checks.require(
      accepted.includes(measurement),
      'snp.measurement',
      'ATTESTATION_MEASUREMENT_MISMATCH',
      `the launch measurement ${measurement} is not one the policy accepts: a different image is running`,
      { expected: accepted.join(','), found: measurement },
    );
  }
  const hostData = toHex(report.hostData);
  if (options.hostData) {
    const accepted = hexList(options.hostData, 32, 'host data');
    checks.require(
      accepted.includes(hostData),
      'snp.hostData',
      'ATTESTATION_HOST_DATA_MISMATCH',
      `HOST_DATA ${hostData} is not one the policy accepts (for ACI: SHA-256 of the confidential computing enforcement policy)`,
      { expected: accepted.join(','), found: hostData },
    );
  }

  let boundData = report.reportData;
  if (hcl) {
    // The paravisor puts hash(runtime claims) into report_data; the claims carry the guest's own data.
    const binds = hclBindsRuntimeData(hcl, report.reportData);
    checks.require(
      binds.ok,
      'snp.hcl.runtimeData',
      'ATTESTATION_BINDING_MISMATCH',
      'the HCL runtime claims are not the ones the SNP report binds (report_data is not their hash)',
      { expected: binds.expected, found: toHex(report.reportData) },
    );
    const userData = hcl.runtimeClaims?.['user-data'];
    boundData =
      typeof userData === 'string' && /^[0-9a-fA-F]{128}$/.test(userData)
        ? fromHex(userData)
        : new Uint8Array(0);
  }
  if (options.expectedReportData) {
    checks.require(
      bytesEqual(boundData, options.expectedReportData),
      'binding.reportData',
      'ATTESTATION_BINDING_MISMATCH',
      `${hcl ? "the HCL runtime claims' user-data" : 'report_data'} does not bind this nonce and this public key: replayed evidence or a relay that swapped the key`,
      { expected: toHex(options.expectedReportData), found: toHex(boundData) },
    );
  }

  return {
    platform: 'sev-snp',
    measurement,
    reportData: toHex(boundData),
    hostData,
    debug,
    checks: checks.checks,
    claims: snpClaims(report, product, reported, hcl),
    verifiedAt: at.toISOString(),
  };
}

function snpClaims(
  report: SnpReport,
  product: SnpProduct,
  tcb: SnpTcb,
  hcl?: HclReport,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    product,
    version: report.version,
    guestSvn: report.guestSvn,
    policy: `0x${report.policy.toString(16)}`,
    vmpl: report.vmpl,
    signingKey: report.signingKey,
    familyId: toHex(report.familyId),
    imageId: toHex(report.imageId),
    reportData: toHex(report.reportData),
    currentTcb: toHex(report.currentTcb),
    reportedTcb: toHex(report.reportedTcb),
    reportedTcbm: tcbHex(report.reportedTcb),
    committedTcb: toHex(report.committedTcb),
    launchTcb: toHex(report.launchTcb),
    tcb,
    platformInfo: `0x${report.platformInfo.toString(16)}`,
    idKeyDigest: toHex(report.idKeyDigest),
    authorKeyDigest: toHex(report.authorKeyDigest),
    reportId: toHex(report.reportId),
    reportIdMa: toHex(report.reportIdMa),
    chipId: toHex(report.chipId),
    currentVersion: report.currentVersion,
    committedVersion: report.committedVersion,
  };
  if (report.version >= 3) {
    claims['cpuid'] = {
      family: report.cpuidFamily,
      model: report.cpuidModel,
      stepping: report.cpuidStepping,
    };
  }
  if (report.launchMitVector !== undefined) {
    claims['launchMitVector'] = `0x${report.launchMitVector.toString(16)}`;
    claims['currentMitVector'] = `0x${(report.currentMitVector ?? 0n).toString(16)}`;
  }
  if (hcl) claims['hclRuntimeClaims'] = hcl.runtimeClaims ?? toHex(hcl.runtimeData);
  return claims;
}
