import { access } from 'node:fs/promises';
import type { Platform } from '@blindbox/attestation';
import { parseSnpReport } from '@blindbox/attestation/internal';
import { RuntimeError } from '../runtime-error.js';
import type { AttestationProvider, ProvidedEvidence } from './attestation-provider.js';
import { snpCollateralFromCertTable } from './sev-snp-cert-table.js';

/**
 * What /dev/sev-guest offers: the SNP_GET_EXT_REPORT ioctl (linux/sev-guest.h), which returns the
 * report for 64 bytes of user data at a VMPL, and the host's certificate table.
 *
 * Node.js cannot issue an ioctl without a native addon, and this package ships none (native addons
 * need install-script approval and a compiler; docs/design.md §8). Implement this interface with whatever the
 * image provides (an approved N-API addon, or a small static helper binary called over stdin/stdout)
 * or, on Linux ≥ 6.7, use {@link SevSnpConfigfsProvider}, which needs no ioctl at all.
 */
export interface SevGuestDevice {
  getExtendedReport(
    reportData: Uint8Array,
    vmpl: number,
  ): Promise<{ report: Uint8Array; certTable?: Uint8Array }>;
}

/** Options of {@link SevSnpGuestDeviceProvider}. */
export interface SevSnpGuestDeviceOptions {
  /** The ioctl bridge. Required: see {@link SevGuestDevice}. */
  device: SevGuestDevice;
  /** VMPL to request the report at. Default: 0. */
  vmpl?: number;
  /** Device node checked before the first request, so a misconfigured host fails early. Default: `/dev/sev-guest`; `null` skips the check (tests). */
  devicePath?: string | null;
}

/** SEV-SNP evidence through /dev/sev-guest, via an injected {@link SevGuestDevice}. */
export class SevSnpGuestDeviceProvider implements AttestationProvider {
  readonly platform: Platform = 'sev-snp';
  readonly #device: SevGuestDevice;
  readonly #vmpl: number;
  readonly #devicePath: string | null;
  #checked = false;

  constructor(options: SevSnpGuestDeviceOptions) {
    this.#device = options.device;
    this.#vmpl = options.vmpl ?? 0;
    this.#devicePath = options.devicePath === undefined ? '/dev/sev-guest' : options.devicePath;
    if (![0, 1, 2, 3].includes(this.#vmpl))
      throw new RuntimeError('RUNTIME_BAD_CONFIG', `vmpl must be 0..3, got ${this.#vmpl}`);
  }

  async getEvidence(reportData: Uint8Array): Promise<ProvidedEvidence> {
    if (reportData.length !== 64)
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', 'report data must be 64 bytes');
    if (!this.#checked && this.#devicePath !== null) {
      await access(this.#devicePath).catch((cause: unknown) => {
        throw new RuntimeError(
          'RUNTIME_NOT_AN_ENCLAVE',
          `${this.#devicePath} is missing: not an SEV-SNP guest`,
          { cause },
        );
      });
      this.#checked = true;
    }
    let result: { report: Uint8Array; certTable?: Uint8Array };
    try {
      result = await this.#device.getExtendedReport(reportData, this.#vmpl);
    } catch (cause) {
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        `SNP_GET_EXT_REPORT failed: ${(cause as Error).message}`,
        { cause },
      );
    }
    let report: ReturnType<typeof parseSnpReport>;
    try {
      report = parseSnpReport(result.report);
    } catch (cause) {
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', 'the device returned a malformed report', {
        cause,
      });
    }
    if (!report.reportData.every((b, i) => b === reportData[i])) {
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        'the report does not carry the requested report data',
      );
    }
    return { evidence: result.report, collateral: snpCollateralFromCertTable(result.certTable) };
  }
}
