import type { Check } from '@blindbox/attestation';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, UsageError, VerdictError } from '../../base-command.js';
import type { EvidenceFormat } from '../../evidence/decode-evidence-file.js';
import type { EvidencePlatform, EvidenceVerifyRequest } from '../../evidence/evidence-verify-request.js';
import { parsePcrFlags } from '../../evidence/parse-pcr-flags.js';
import { tdxEvidenceRequest } from '../../evidence/tdx-evidence-request.js';
import { type EvidenceVerifyResult, verifyEvidenceFile } from '../../evidence/verify-evidence-file.js';
import {
  type GpuEvidenceVerifyResult,
  verifyGpuEvidenceFile,
} from '../../evidence/verify-gpu-evidence-file.js';
import { onlyWithPlatform } from '../../flags/platform-only-flag.js';
import { tdxFlags } from '../../flags/tdx-flags.js';
import { allowDebugFlag } from '../../flags/tee-policy-flags.js';
import { verificationTimeFlag } from '../../flags/verification-time-flag.js';
import { readInputFile, readInputText } from '../../read-input-file.js';

export default class EvidenceVerify extends BaseCommand {
  static override description =
    'Verify TEE evidence (an AMD SEV-SNP report, an Intel TDX quote, an AWS Nitro attestation document or NVIDIA GPU evidence) offline against the pinned hardware roots, at a chosen time, and print every check. Exit 0 accepted, 1 rejected, 2 usage error.';

  static override examples = [
    '<%= config.bin %> evidence verify report.hex --platform sev-snp --cert vcek.der --at 2024-01-01T00:00:00Z',
    '<%= config.bin %> evidence verify report.bin --platform sev-snp --thim host_amd_certificate.json --expect-host-data cadd74f7…',
    '<%= config.bin %> evidence verify document.cbor --platform nitro --at 2022-11-10T00:00:00Z --json',
    '<%= config.bin %> evidence verify quote.dat --platform tdx --tcb-info tcb.json --tcb-info-chain tcb-chain.pem --qe-identity qe.json --qe-identity-chain qe-chain.pem --pck-crl pckcrl.der --root-crl root.crl --expect-mrconfigid 5f2a…',
    '<%= config.bin %> evidence verify hopperAttestationReport.txt --platform nvidia-gpu --cert-chain hopperCertChain.txt --driver-rim driver.swidtag --vbios-rim vbios.swidtag --expect-nonce 931d8dd0…',
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
      options: ['sev-snp', 'nitro', 'tdx', 'nvidia-gpu'] satisfies (EvidencePlatform | 'nvidia-gpu')[],
      required: true,
    }),
    cert: Flags.string({
      description: 'SEV-SNP: the VCEK or VLEK certificate (PEM or DER)',
      relationships: onlyWithPlatform('sev-snp'),
    }),
    chain: Flags.string({
      description: 'SEV-SNP: ASK/ASVK and ARK, PEM [default: the chain bundled for the product]',
      relationships: onlyWithPlatform('sev-snp'),
    }),
    thim: Flags.string({
      description: "SEV-SNP: Azure THIM collateral JSON (ACI's host_amd_certificate.json)",
      relationships: onlyWithPlatform('sev-snp'),
    }),
    format: Flags.string({
      description: 'how the evidence file is encoded [default: detect hex or base64 text, else raw]',
      options: ['raw', 'hex', 'base64', 'hcl'] satisfies EvidenceFormat[],
    }),
    at: verificationTimeFlag,
    'allow-debug': allowDebugFlag,
    'expect-measurement': Flags.string({
      description: 'required measurement, hex (SNP MEASUREMENT, Nitro PCR0, TDX MRTD)',
    }),
    'expect-host-data': Flags.string({
      description: 'SEV-SNP: required HOST_DATA, hex',
      relationships: onlyWithPlatform('sev-snp'),
    }),
    'expect-report-data': Flags.string({
      description: 'required report data, hex (SNP report_data, Nitro user_data, TDX REPORTDATA)',
    }),
    'expect-pcr': Flags.string({
      description:
        'Nitro: required PCR, N=<hex>, repeatable (0–4, 8); the set must name PCR0 (the image) or PCR8 (its signer)',
      multiple: true,
      relationships: onlyWithPlatform('nitro'),
    }),
    'cert-chain': Flags.string({
      description: 'NVIDIA GPU: the GPU certificate chain, PEM, leaf first',
      relationships: onlyWithPlatform('nvidia-gpu'),
    }),
    'driver-rim': Flags.string({
      description: "NVIDIA GPU: the driver's reference integrity manifest (SWID XML)",
      relationships: onlyWithPlatform('nvidia-gpu'),
    }),
    'vbios-rim': Flags.string({
      description: "NVIDIA GPU: the VBIOS's reference integrity manifest (SWID XML)",
      relationships: onlyWithPlatform('nvidia-gpu'),
    }),
    'no-rims': Flags.boolean({
      description: 'NVIDIA GPU: check signature, chain and nonce only; the measurements are not compared',
      default: false,
      relationships: onlyWithPlatform('nvidia-gpu'),
    }),
    'expect-nonce': Flags.string({
      description: 'NVIDIA GPU: the 32-byte nonce the report must answer, hex',
      relationships: onlyWithPlatform('nvidia-gpu'),
    }),
    ...tdxFlags,
    'max-age': Flags.integer({
      description: 'Nitro: oldest acceptable document, seconds before --at [default: 10800]',
      min: 0,
    }),
  };

  async run(): Promise<EvidenceVerifyResult | GpuEvidenceVerifyResult> {
    const { flags } = await this.parse(EvidenceVerify);
    if (flags.platform === 'nvidia-gpu') return this.verifyGpu();
    const result = await verifyEvidenceFile(await this.request());
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
    if (result.tcbStatus !== undefined) this.log(`  tcbStatus:   ${result.tcbStatus}`);
    if (result.debug) this.log('  debug:       true (accepted because of --allow-debug)');
    return result;
  }

  private async verifyGpu(): Promise<GpuEvidenceVerifyResult> {
    const { args, flags } = await this.parse(EvidenceVerify);
    if (!flags['cert-chain']) throw new UsageError('--platform nvidia-gpu needs --cert-chain');
    const result = await verifyGpuEvidenceFile({
      file: readInputFile(args.file, 'evidence'),
      certChain: readInputText(flags['cert-chain'], '--cert-chain'),
      ...(flags['driver-rim'] ? { driverRim: readInputText(flags['driver-rim'], '--driver-rim') } : {}),
      ...(flags['vbios-rim'] ? { vbiosRim: readInputText(flags['vbios-rim'], '--vbios-rim') } : {}),
      noRims: flags['no-rims'],
      ...(flags['expect-nonce'] ? { expectNonce: flags['expect-nonce'] } : {}),
      ...(flags.at ? { at: flags.at } : {}),
    });
    const line = (c: Check) => `  ${c.ok ? '✔' : '✘'} ${c.name}${c.found ? ` = ${c.found}` : ''}`;
    if (!result.ok) {
      if (!this.jsonEnabled()) for (const c of result.checks) this.logToStderr(line(c));
      throw new VerdictError(
        result.error?.message ?? 'evidence rejected',
        result.error?.code ?? 'ATTESTATION_REJECTED',
        result,
      );
    }
    const report = result.report!;
    this.log(`✔ nvidia-gpu evidence verified at ${result.verifiedAt} (${result.checks.length} checks)`);
    for (const c of result.checks) this.log(line(c));
    this.log(`  driver: ${report.driverVersion}  vbios: ${report.vbiosVersion}  nonce: ${report.nonce}`);
    if (!report.measurementsCompared)
      this.log('  measurements: NOT compared with reference values (--no-rims)');
    return result;
  }

  /** The flags and files, read into the request of the chosen platform. */
  private async request(): Promise<EvidenceVerifyRequest> {
    const { args, flags } = await this.parse(EvidenceVerify);
    const common = {
      file: readInputFile(args.file, 'evidence'),
      ...(flags.format ? { format: flags.format as EvidenceFormat } : {}),
      ...(flags.at ? { at: flags.at } : {}),
      allowDebug: flags['allow-debug'],
      ...(flags['expect-measurement'] ? { expectMeasurement: flags['expect-measurement'] } : {}),
      ...(flags['expect-report-data'] ? { expectReportData: flags['expect-report-data'] } : {}),
    };
    if (flags.platform === 'tdx') return tdxEvidenceRequest(common, flags);
    if (flags.platform === 'nitro') {
      return {
        platform: 'nitro',
        ...common,
        ...(flags['expect-pcr'] ? { expectPcrs: parsePcrFlags(flags['expect-pcr']) } : {}),
        ...(flags['max-age'] !== undefined ? { maxAgeSeconds: flags['max-age'] } : {}),
      };
    }
    return {
      platform: 'sev-snp',
      ...common,
      ...(flags.cert ? { cert: readInputFile(flags.cert, '--cert') } : {}),
      ...(flags.chain ? { chain: readInputText(flags.chain, '--chain') } : {}),
      ...(flags.thim ? { thim: readInputText(flags.thim, '--thim') } : {}),
      ...(flags['expect-host-data'] ? { expectHostData: flags['expect-host-data'] } : {}),
    };
  }
}
