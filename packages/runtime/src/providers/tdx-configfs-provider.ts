import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform, TdxCollateral } from '@blindbox/attestation';
import { parseTdxQuote } from '@blindbox/attestation/internal';
import { base64Encode } from '@blindbox/bytes';
import { RuntimeError } from '../runtime-error.js';
import type { AttestationProvider, ProvidedEvidence } from './attestation-provider.js';
import type { ConfigfsFs } from './sev-snp-configfs-provider.js';

const nodeFs: ConfigfsFs = {
  mkdir: (p) => fs.mkdir(p),
  rmdir: (p) => fs.rmdir(p),
  readFile: async (p) => new Uint8Array(await fs.readFile(p)),
  writeFile: (p, d) => fs.writeFile(p, d),
};

/** Options of {@link TdxConfigfsProvider}. */
export interface TdxConfigfsOptions {
  /** The configfs-tsm report directory. Default: `/sys/kernel/config/tsm/report`. */
  root?: string;
  /** File access. Default: node:fs/promises. */
  fs?: ConfigfsFs;
  /**
   * Intel collateral to ship in the envelope with a quote (TCB info, QE identity, CRLs and their
   * chains), e.g. `(quote) => fetchTdxCollateral(tdxCollateralTarget(quote), { fetch, baseUrl: pccs })`
   * (cache it: it changes about monthly). It is signed by Intel and verified by the client, so where
   * it comes from needs no trust. Default: none (the client brings its own, or verifies with
   * `noCollateral` and no TCB assessment).
   */
  collateral?: (quote: Uint8Array) => Promise<TdxCollateral | undefined>;
}

let counter = 0;

/**
 * Intel TDX evidence through Linux configfs-tsm (Documentation/ABI/testing/configfs-tsm, Linux ≥
 * 6.7, provider `tdx_guest`): create a report entry, write the 64-byte binding to `inblob`, read the
 * DCAP quote from `outblob` (the kernel asks the host's Quote Generation Service through the
 * GetQuote TDVMCALL), and compare `generation` before and after to detect a concurrent writer. The
 * quote carries its PCK chain, so there is no `auxblob`; TDX has no privilege levels (`privlevel`).
 */
export class TdxConfigfsProvider implements AttestationProvider {
  readonly platform: Platform = 'tdx';
  readonly #root: string;
  readonly #fs: ConfigfsFs;
  readonly #collateral: TdxConfigfsOptions['collateral'];

  constructor(options: TdxConfigfsOptions = {}) {
    this.#root = options.root ?? '/sys/kernel/config/tsm/report';
    this.#fs = options.fs ?? nodeFs;
    this.#collateral = options.collateral;
  }

  async getEvidence(reportData: Uint8Array): Promise<ProvidedEvidence> {
    if (reportData.length !== 64) {
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', 'report data must be 64 bytes');
    }
    const quote = await this.#readQuote(reportData);
    let collateral: TdxCollateral | undefined;
    try {
      collateral = await this.#collateral?.(quote);
    } catch (cause) {
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', 'the TDX collateral source failed', {
        cause,
      });
    }
    return collateral ? { evidence: quote, collateral: envelopeCollateral(collateral) } : { evidence: quote };
  }

  async #readQuote(reportData: Uint8Array): Promise<Uint8Array> {
    const entry = join(this.#root, `blindbox-tdx-${process.pid}-${++counter}`);
    const file = (name: string) => join(entry, name);
    try {
      await this.#fs.mkdir(entry);
    } catch (cause) {
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        `cannot create a configfs-tsm report under ${this.#root} (is this a TDX guest with Linux ≥ 6.7 and configfs mounted?)`,
        { cause },
      );
    }
    try {
      const provider = new TextDecoder().decode(await this.#fs.readFile(file('provider'))).trim();
      if (provider !== 'tdx_guest') {
        throw new RuntimeError(
          'RUNTIME_NOT_AN_ENCLAVE',
          `configfs-tsm provider is "${provider}", not tdx_guest`,
        );
      }
      await this.#fs.writeFile(file('inblob'), reportData);
      const before = await this.#generation(file('generation'));
      const outblob = await this.#fs.readFile(file('outblob'));
      const after = await this.#generation(file('generation'));
      // configfs-tsm ABI: `generation` counts inblob writes; a change between our write and our read
      // means another writer touched the entry and the quote may bind someone else's data.
      if (after !== before) {
        throw new RuntimeError(
          'RUNTIME_ATTESTATION_UNAVAILABLE',
          'configfs-tsm entry changed while reading the quote',
        );
      }
      checkQuote(outblob, reportData);
      return outblob;
    } catch (err) {
      if (err instanceof RuntimeError) throw err;
      throw new RuntimeError(
        'RUNTIME_ATTESTATION_UNAVAILABLE',
        `configfs-tsm quote failed: ${(err as Error).message}`,
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
    if (!Number.isInteger(n)) {
      throw new RuntimeError('RUNTIME_ATTESTATION_UNAVAILABLE', `bad configfs-tsm generation "${text}"`);
    }
    return n;
  }
}

/** The host produced a v4 quote of exactly its declared length that binds what was asked. */
function checkQuote(outblob: Uint8Array, reportData: Uint8Array): void {
  let quote: ReturnType<typeof parseTdxQuote>;
  try {
    quote = parseTdxQuote(outblob);
  } catch (cause) {
    throw new RuntimeError(
      'RUNTIME_ATTESTATION_UNAVAILABLE',
      `the host returned no valid TDX quote (${(cause as Error).message}); is the Quote Generation Service running?`,
      { cause },
    );
  }
  if (!quote.body.reportData.every((b, i) => b === reportData[i])) {
    throw new RuntimeError(
      'RUNTIME_ATTESTATION_UNAVAILABLE',
      'the quote does not carry the requested report data',
    );
  }
}

/** The envelope is JSON: CRLs given as bytes travel as base64 DER, which the verifier reads. */
function envelopeCollateral(c: TdxCollateral): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  for (const key of ['pckCrl', 'rootCrl'] as const) {
    const v = c[key];
    if (v instanceof Uint8Array) out[key] = base64Encode(v);
  }
  return out;
}
