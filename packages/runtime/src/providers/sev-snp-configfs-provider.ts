import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from '@blindbox/attestation';
import { parseSnpReport } from '@blindbox/attestation/internal';
import { RuntimeError } from '../runtime-error.js';
import type { AttestationProvider, ProvidedEvidence } from './attestation-provider.js';
import { snpCollateralFromCertTable } from './sev-snp-cert-table.js';

/** The file operations the provider performs on configfs, injectable so tests can play the kernel. */
export interface ConfigfsFs {
  mkdir(path: string): Promise<unknown>;
  rmdir(path: string): Promise<unknown>;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array | string): Promise<unknown>;
}

const nodeFs: ConfigfsFs = {
  mkdir: (p) => fs.mkdir(p),
  rmdir: (p) => fs.rmdir(p),
  readFile: async (p) => new Uint8Array(await fs.readFile(p)),
  writeFile: (p, d) => fs.writeFile(p, d),
};

/** Options of {@link SevSnpConfigfsProvider}. */
export interface SevSnpConfigfsOptions {
  /** The configfs-tsm report directory. Default: `/sys/kernel/config/tsm/report`. */
  root?: string;
  /** VMPL to request the report at (`privlevel`, 0–3). Default: not written (the kernel's floor). */
  privilegeLevel?: number;
  /** File access. Default: node:fs/promises. */
  fs?: ConfigfsFs;
}

let counter = 0;

/**
 * SEV-SNP evidence through Linux configfs-tsm (Documentation/ABI/testing/configfs-tsm, Linux ≥ 6.7):
 * create a report entry, write the 64-byte binding to `inblob`, read the report from `outblob` and
 * the host's certificate table from `auxblob`, and check `generation` to detect a concurrent writer
 * of the same entry. The entry is private to one request and removed afterwards.
 */
export class SevSnpConfigfsProvider implements AttestationProvider {
  readonly platform: Platform = 'sev-snp';
  readonly #root: string;
  readonly #fs: ConfigfsFs;
  readonly #privilegeLevel: number | undefined;

  constructor(options: SevSnpConfigfsOptions = {}) {
    this.#root = options.root ?? '/sys/kernel/config/tsm/report';
    this.#fs = options.fs ?? nodeFs;
    this.#privilegeLevel = options.privilegeLevel;
    if (this.#privilegeLevel !== undefined && ![0, 1, 2, 3].includes(this.#privilegeLevel)) {
      throw new RuntimeError(
        'RUNTIME_BAD_CONFIG',
        `privilegeLevel must be 0..3, got ${this.#privilegeLevel}`,
      );
    }
  }

  async getEvidence(reportData: Uint8Array): Promise<ProvidedEvidence> {
    if (reportData.length !== 64)
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', 'report data must be 64 bytes');
    const entry = join(this.#root, `blindbox-${process.pid}-${++counter}`);
    const file = (name: string) => join(entry, name);
    try {
      await this.#fs.mkdir(entry);
    } catch (cause) {
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        `cannot create a configfs-tsm report under ${this.#root} (is this an SEV-SNP guest with Linux ≥ 6.7 and configfs mounted?)`,
        { cause },
      );
    }
    try {
      const provider = new TextDecoder().decode(await this.#fs.readFile(file('provider'))).trim();
      if (provider !== 'sev_guest') {
        throw new RuntimeError(
          'RUNTIME_NOT_AN_ENCLAVE',
          `configfs-tsm provider is "${provider}", not sev_guest`,
        );
      }
      if (this.#privilegeLevel !== undefined)
        await this.#fs.writeFile(file('privlevel'), String(this.#privilegeLevel));
      await this.#fs.writeFile(file('inblob'), reportData);
      const before = await this.#generation(file('generation'));
      const outblob = await this.#fs.readFile(file('outblob'));
      const auxblob = await this.#fs.readFile(file('auxblob')).catch(() => undefined);
      const after = await this.#generation(file('generation'));
      // configfs-tsm ABI: `generation` counts inblob/privlevel writes; a change between our write and
      // our reads means another writer touched the entry and the outblob may not be ours.
      if (after !== before) {
        throw new RuntimeError(
          'RUNTIME_ATTESTATION_UNAVAILABLE',
          'configfs-tsm entry changed while reading the report',
        );
      }
      const report = parseSnpReport(outblob);
      if (!report.reportData.every((b, i) => b === reportData[i])) {
        throw new RuntimeError(
          'RUNTIME_ATTESTATION_UNAVAILABLE',
          'the report does not carry the requested report data',
        );
      }
      return { evidence: outblob, collateral: snpCollateralFromCertTable(auxblob) };
    } catch (err) {
      if (err instanceof RuntimeError) throw err;
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        `configfs-tsm report failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    } finally {
      await this.#fs.rmdir(entry).catch(() => undefined);
    }
  }

  async #generation(path: string): Promise<number> {
    const text = new TextDecoder().decode(await this.#fs.readFile(path)).trim();
    const n = Number(text);
    if (!Number.isInteger(n))
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', `bad configfs-tsm generation "${text}"`);
    return n;
  }
}
