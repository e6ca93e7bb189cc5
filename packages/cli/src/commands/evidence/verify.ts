import { readFileSync } from 'node:fs';
import { AttestationError, type Check, type EvidencePolicy, type NitroPcrSet, verifyEvidence } from '@blindbox/attestation';
import {
  decodeCoseSign1,
  isHclReport,
  parseHclReport,
  parseNitroDocument,
  parseSnpReport,
  SNP_REPORT_LENGTH,
} from '@blindbox/attestation/internal';
import { base64DecodeLenient as base64ToBytes, hexDecode, hexEncode as toHex } from '@blindbox/bytes';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, UsageError, VerdictError } from '../../base-command.js';

/** Hex the user typed: surrounding whitespace tolerated, either case. */
const fromHex = (text: string): Uint8Array => hexDecode(text.trim());

/** How the evidence file is encoded. */
export type EvidenceFormat = 'raw' | 'hex' | 'base64' | 'hcl';

/** What `blindbox evidence verify` checks, already read from files and flags. */
export interface EvidenceVerifyRequest {
  platform: 'sev-snp' | 'nitro';
  /** The evidence file's bytes. */
  file: Uint8Array;
  /** Default: detected (hex or base64 text, else raw; an "HCLA" header means hcl). */
  format?: EvidenceFormat;
  /** VCEK or VLEK (PEM or DER). */
  cert?: Uint8Array;
  /** ASK/ASVK + ARK, PEM. */
  chain?: string;
  /** Azure THIM JSON. */
  thim?: string;
  /** Default: now. */
  at?: Date;
  allowDebug?: boolean;
  expectMeasurement?: string;
  expectHostData?: string;
  expectReportData?: string;
  /** PCR index → hex. Must name PCR0, PCR1 and PCR2 when given. */
  expectPcrs?: Record<number, string>;
  /** Nitro freshness window in seconds. Default: the verifier's (3 hours). */
  maxAgeSeconds?: number;
}

/** The `--json` output. */
export interface EvidenceVerifyResult {
  ok: boolean;
  platform: 'sev-snp' | 'nitro';
  /** Hex; from an unverified parse when `ok` is false (null when even that failed). */
  measurement: string | null;
  reportData: string | null;
  hostData?: string;
  pcrs?: Record<number, string>;
  debug: boolean | null;
  checks: Check[];
  verifiedAt: string;
  error?: { code: string; message: string };
}

const HEX_TEXT = /^[0-9a-fA-F\s]+$/;
const BASE64_TEXT = /^[A-Za-z0-9+/=_\-\s]+$/;

/** Decodes the evidence file per `format`, detecting hex or base64 text when not given. */
export function decodeEvidenceFile(
  file: Uint8Array,
  format?: EvidenceFormat,
): { bytes: Uint8Array; hcl: boolean } {
  const text = () => new TextDecoder().decode(file);
  const looksText =
    file.length > 0 && file.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f));
  let bytes: Uint8Array;
  const fmt =
    format ??
    (looksText && HEX_TEXT.test(text()) ? 'hex' : looksText && BASE64_TEXT.test(text()) ? 'base64' : 'raw');
  try {
    bytes =
      fmt === 'hex'
        ? fromHex(text().replace(/\s+/g, ''))
        : fmt === 'base64'
          ? base64ToBytes(text().replace(/\s+/g, ''))
          : file;
  } catch {
    throw new UsageError(`the evidence file is not valid ${fmt}; pass --format raw|hex|base64|hcl`);
  }
  if (format === 'hcl' && !isHclReport(bytes)) {
    throw new UsageError(
      '--format hcl: the file does not start with the "HCLA" header of an Azure HCL report',
    );
  }
  return { bytes, hcl: isHclReport(bytes) };
}

function hexFlag(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const clean = value.trim().toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]+$/.test(clean) || clean.length % 2 !== 0)
    throw new UsageError(`${name} must be hex, got "${value}"`);
  return clean;
}

/** Parses `--expect-pcr N=<hex>` values. */
export function parsePcrFlags(values: readonly string[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const v of values) {
    const m = /^(\d{1,2})=(?:0x)?([0-9a-fA-F]+)$/.exec(v.trim());
    if (!m) throw new UsageError(`--expect-pcr takes N=<hex>, got "${v}"`);
    const index = Number(m[1]);
    if (![0, 1, 2, 3, 4, 8].includes(index))
      throw new UsageError(`--expect-pcr: PCR${index} cannot be pinned (0, 1, 2, 3, 4, 8)`);
    if (out[index] !== undefined) throw new UsageError(`--expect-pcr: PCR${index} given twice`);
    out[index] = m[2]!.toLowerCase();
  }
  return out;
}

/** Unverified fields of evidence that was rejected, so the output shows what was refused. */
function unverifiedFields(
  platform: 'sev-snp' | 'nitro',
  bytes: Uint8Array,
  hcl: boolean,
): Partial<EvidenceVerifyResult> {
  try {
    if (platform === 'sev-snp') {
      const report = parseSnpReport(
        hcl ? parseHclReport(bytes).snpReport : bytes.subarray(0, SNP_REPORT_LENGTH),
      );
      return {
        measurement: toHex(report.measurement),
        reportData: toHex(report.reportData),
        hostData: toHex(report.hostData),
        debug: (report.policy & (1n << 19n)) !== 0n,
      };
    }
    const doc = parseNitroDocument(decodeCoseSign1(bytes).payload);
    const pcrs: Record<number, string> = {};
    for (const [i, v] of doc.pcrs) pcrs[i] = toHex(v);
    return {
      measurement: pcrs[0] ?? null,
      reportData: doc.userData ? toHex(doc.userData) : '',
      pcrs,
      debug: [0, 1, 2].every((i) => /^0+$/.test(pcrs[i] ?? '1')),
    };
  } catch {
    return {};
  }
}

/**
 * Verifies one piece of evidence offline and returns the `--json` shape. Throws {@link UsageError}
 * for bad input (exit 2); a rejection is a result with `ok: false` (exit 1).
 */
export async function verifyEvidenceFile(req: EvidenceVerifyRequest): Promise<EvidenceVerifyResult> {
  const at = req.at ?? new Date();
  const { bytes, hcl } = decodeEvidenceFile(req.file, req.format);
  if (req.platform === 'nitro') {
    if (hcl) throw new UsageError('--format hcl is for Azure SEV-SNP evidence');
    if (req.cert || req.chain || req.thim)
      throw new UsageError('--cert, --chain and --thim are for SEV-SNP; a Nitro document carries its chain');
    if (req.expectHostData) throw new UsageError('--expect-host-data is for SEV-SNP');
  } else if (req.expectPcrs && Object.keys(req.expectPcrs).length > 0) {
    throw new UsageError('--expect-pcr is for Nitro');
  }
  const measurement = hexFlag(req.expectMeasurement, '--expect-measurement');
  const hostData = hexFlag(req.expectHostData, '--expect-host-data');
  const reportData = hexFlag(req.expectReportData, '--expect-report-data');
  const policy: EvidencePolicy = { at, allowDebug: req.allowDebug === true };
  if (reportData) policy.expectedReportData = fromHex(reportData);
  const collateral: Record<string, unknown> = {};
  if (req.platform === 'sev-snp') {
    if (req.cert) {
      // The report's SIGNING_KEY field decides which of the two is used.
      collateral['vcek'] = req.cert;
      collateral['vlek'] = req.cert;
    }
    if (req.chain) collateral['certChain'] = req.chain;
    if (req.thim) collateral['thim'] = req.thim;
    policy.snp = {
      ...(measurement ? { measurements: [measurement] } : {}),
      ...(hostData ? { hostData: [hostData] } : {}),
    };
  } else {
    const pcrs = req.expectPcrs ?? {};
    const named = Object.keys(pcrs).map(Number);
    if (named.length > 0 && ![0, 1, 2].every((i) => named.includes(i))) {
      // Partial PCR checks are how verifiers came to accept any application (CVE-2025-64186).
      throw new UsageError(
        '--expect-pcr must pin PCR0, PCR1 and PCR2 together; use --expect-measurement to check PCR0 alone',
      );
    }
    policy.nitro = {
      ...(named.length > 0 ? { pcrs: [pcrs as NitroPcrSet] } : {}),
      ...(measurement ? { measurements: [measurement] } : {}),
      ...(req.maxAgeSeconds !== undefined ? { maxAgeSeconds: req.maxAgeSeconds } : {}),
    };
  }
  try {
    const report = await verifyEvidence({ platform: req.platform, evidence: bytes, collateral }, policy);
    return {
      ok: true,
      platform: req.platform,
      measurement: report.measurement,
      reportData: report.reportData,
      ...(report.hostData !== undefined ? { hostData: report.hostData } : {}),
      ...(report.pcrs !== undefined ? { pcrs: report.pcrs } : {}),
      debug: report.debug,
      checks: report.checks,
      verifiedAt: report.verifiedAt,
    };
  } catch (err) {
    if (!(err instanceof AttestationError)) throw err;
    return {
      ok: false,
      platform: req.platform,
      measurement: null,
      reportData: null,
      debug: null,
      ...unverifiedFields(req.platform, bytes, hcl),
      checks: err.checks,
      verifiedAt: at.toISOString(),
      error: { code: err.code, message: err.message },
    };
  }
}

function readFile(path: string, flag: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new UsageError(`cannot read ${flag} ${path}: ${(err as Error).message}`);
  }
}

export default class EvidenceVerify extends BaseCommand {
  static override description =
    'Verify TEE evidence (an AMD SEV-SNP report or an AWS Nitro attestation document) offline against the pinned hardware roots, at a chosen time, and print every check. Exit 0 accepted, 1 rejected, 2 usage error.';

  static override examples = [
    '<%= config.bin %> evidence verify report.hex --platform sev-snp --cert vcek.der --at 2024-01-01T00:00:00Z',
    '<%= config.bin %> evidence verify report.bin --platform sev-snp --thim host_amd_certificate.json --expect-host-data cadd74f7…',
    '<%= config.bin %> evidence verify document.cbor --platform nitro --at 2022-11-10T00:00:00Z --json',
  ];

  static override args = {
    file: Args.string({
      description: 'the evidence file (raw, hex or base64; HCL for Azure confidential VMs)',
      required: true,
    }),
  };

  static override flags = {
    platform: Flags.string({
      description: 'the TEE platform',
      options: ['sev-snp', 'nitro'],
      required: true,
    }),
    cert: Flags.string({ description: 'SEV-SNP: the VCEK or VLEK certificate (PEM or DER)' }),
    chain: Flags.string({
      description: 'SEV-SNP: ASK/ASVK and ARK, PEM [default: the chain bundled for the product]',
    }),
    thim: Flags.string({
      description: "SEV-SNP: Azure THIM collateral JSON (ACI's host_amd_certificate.json)",
    }),
    format: Flags.string({
      description: 'how the evidence file is encoded [default: detect hex or base64 text, else raw]',
      options: ['raw', 'hex', 'base64', 'hcl'],
    }),
    at: Flags.string({ description: 'verification time, ISO 8601 [default: now]' }),
    'allow-debug': Flags.boolean({
      description: 'accept a TEE in debug mode (its memory is readable by the host)',
    }),
    'expect-measurement': Flags.string({
      description: 'required measurement, hex (SNP MEASUREMENT, Nitro PCR0)',
    }),
    'expect-host-data': Flags.string({ description: 'SEV-SNP: required HOST_DATA, hex' }),
    'expect-report-data': Flags.string({
      description: 'required report data, hex (SNP report_data, Nitro user_data)',
    }),
    'expect-pcr': Flags.string({
      description: 'Nitro: required PCR, N=<hex>; repeat for PCR0, PCR1 and PCR2 (and optionally 3, 4, 8)',
      multiple: true,
    }),
    'max-age': Flags.integer({
      description: 'Nitro: oldest acceptable document, seconds before --at [default: 10800]',
      min: 0,
    }),
  };

  async run(): Promise<EvidenceVerifyResult> {
    const { args, flags } = await this.parse(EvidenceVerify);
    let at: Date | undefined;
    if (flags.at !== undefined) {
      at = new Date(flags.at);
      if (!/^\d{4}-\d{2}-\d{2}/.test(flags.at) || Number.isNaN(at.getTime())) {
        throw new UsageError(`--at must be an ISO 8601 time, got "${flags.at}"`);
      }
    }
    const result = await verifyEvidenceFile({
      platform: flags.platform as 'sev-snp' | 'nitro',
      file: readFile(args.file, 'evidence'),
      ...(flags.format ? { format: flags.format as EvidenceFormat } : {}),
      ...(flags.cert ? { cert: readFile(flags.cert, '--cert') } : {}),
      ...(flags.chain ? { chain: new TextDecoder().decode(readFile(flags.chain, '--chain')) } : {}),
      ...(flags.thim ? { thim: new TextDecoder().decode(readFile(flags.thim, '--thim')) } : {}),
      ...(at ? { at } : {}),
      allowDebug: flags['allow-debug'],
      ...(flags['expect-measurement'] ? { expectMeasurement: flags['expect-measurement'] } : {}),
      ...(flags['expect-host-data'] ? { expectHostData: flags['expect-host-data'] } : {}),
      ...(flags['expect-report-data'] ? { expectReportData: flags['expect-report-data'] } : {}),
      ...(flags['expect-pcr'] ? { expectPcrs: parsePcrFlags(flags['expect-pcr']) } : {}),
      ...(flags['max-age'] !== undefined ? { maxAgeSeconds: flags['max-age'] } : {}),
    });
    if (!result.ok) {
      if (!this.jsonEnabled()) {
        for (const c of result.checks)
          this.logToStderr(`  ${c.ok ? '✔' : '✘'} ${c.name}${c.found ? ` = ${c.found}` : ''}`);
      }
      throw new VerdictError(
        result.error?.message ?? 'evidence rejected',
        result.error?.code ?? 'ATTESTATION_REJECTED',
        result,
      );
    }
    this.log(
      `✔ ${result.platform} evidence verified at ${result.verifiedAt} (${result.checks.length} checks)`,
    );
    for (const c of result.checks) this.log(`  ✔ ${c.name}${c.found ? ` = ${c.found}` : ''}`);
    this.log(`  measurement: ${result.measurement}`);
    this.log(`  reportData:  ${result.reportData}`);
    if (result.hostData !== undefined) this.log(`  hostData:    ${result.hostData}`);
    if (result.debug) this.log('  debug:       true (accepted because of --allow-debug)');
    return result;
  }
}
