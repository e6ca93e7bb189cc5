import * as fs from 'node:fs/promises';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttestationError, type TdxCollateral, verifyEvidence } from '@blindbox/attestation';
import { parseTdxQuote } from '@blindbox/attestation/internal';
import { describe, expect, test } from 'vitest';
import { RuntimeError } from '../runtime-error.js';
import type { ConfigfsFs } from './sev-snp-configfs-provider.js';
import { TdxConfigfsProvider } from './tdx-configfs-provider.js';

const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../../vectors/', import.meta.url));
const read = async (p: string) => new Uint8Array(await fs.readFile(join(VECTORS, 'tdx/spr', p)));
const text = (p: string) => fs.readFile(join(VECTORS, 'tdx/spr', p), 'utf8');
const AT = new Date('2023-07-01T01:00:00Z');

/** The recorded Sapphire Rapids quote (without the 39 test bytes go-tdx-guest appended to the file). */
async function recordedQuote(): Promise<Uint8Array> {
  return (await read('tdx_prod_quote_SPR_E4.dat')).slice(0, 4935);
}

async function recordedCollateral(): Promise<TdxCollateral> {
  return {
    tcbInfo: await text('sample_tcbInfo_response'),
    tcbInfoIssuerChain: await text('tcbinfo_issuer_chain.pem'),
    qeIdentity: await text('sample_qeIdentity_response'),
    qeIdentityIssuerChain: await text('qeidentity_issuer_chain.pem'),
    pckCrl: await read('pckcrl'),
    pckCrlIssuerChain: await text('pckcrl_issuer_chain.pem'),
    rootCrl: await read('rootcrl.der'),
  };
}

/**
 * A temp directory that behaves like configfs-tsm for a TDX guest: mkdir creates the entry's
 * attribute files; a write to inblob bumps `generation` and makes outblob the recorded quote.
 */
function fakeKernel(quote: Uint8Array, provider = 'tdx_guest'): ConfigfsFs & { writes: string[] } {
  const writes: string[] = [];
  return {
    writes,
    async mkdir(path) {
      await fs.mkdir(path);
      await fs.writeFile(join(path, 'provider'), `${provider}\n`);
      await fs.writeFile(join(path, 'generation'), '0\n');
      await fs.writeFile(join(path, 'outblob'), '');
    },
    async rmdir(path) {
      await fs.rm(path, { recursive: true });
    },
    readFile: async (path) => new Uint8Array(await fs.readFile(path)),
    async writeFile(path, data) {
      writes.push(path.split('/').at(-1)!);
      await fs.writeFile(path, data);
      if (path.endsWith('inblob')) {
        const dir = path.slice(0, path.lastIndexOf('/'));
        const gen = Number((await fs.readFile(join(dir, 'generation'), 'utf8')).trim());
        await fs.writeFile(join(dir, 'generation'), `${gen + 1}\n`);
        await fs.writeFile(join(dir, 'outblob'), quote);
      }
    },
  };
}

const tempRoot = () => mkdtemp(join(tmpdir(), 'tsm-report-tdx-'));

describe('TdxConfigfsProvider (configfs-tsm laid out in a temp dir, recorded Sapphire Rapids quote)', () => {
  test('returns the quote; the verifier accepts its quote and PCK chain', async () => {
    const quote = await recordedQuote();
    const reportData = parseTdxQuote(quote).body.reportData.slice();
    const root = await tempRoot();
    const kernel = fakeKernel(quote);
    const provider = new TdxConfigfsProvider({ root, fs: kernel });
    expect(provider.platform).toBe('tdx');
    const out = await provider.getEvidence(reportData);
    expect(out.evidence).toEqual(quote);
    expect(out.collateral).toBeUndefined();
    expect(kernel.writes).toEqual(['inblob']); // no privlevel: TDX has none
    expect(await readdir(root)).toEqual([]); // the entry is removed
    const report = await verifyEvidence(
      { platform: 'tdx', evidence: out.evidence },
      { at: AT, expectedReportData: reportData, tdx: { noCollateral: true } },
    );
    expect(report.measurement).toMatch(/^6363b804/);
    expect(report.claims['tcbStatus']).toBe('NotAssessed');
  });

  test("ships injected Intel collateral in the envelope, which the verifier reads (and with this vector's TCB info, refuses the TCB level)", async () => {
    const quote = await recordedQuote();
    const reportData = parseTdxQuote(quote).body.reportData.slice();
    const provider = new TdxConfigfsProvider({
      root: await tempRoot(),
      fs: fakeKernel(quote),
      collateral: recordedCollateral,
    });
    const out = await provider.getEvidence(reportData);
    // JSON-safe: the CRLs travel as base64 text.
    expect(JSON.parse(JSON.stringify(out.collateral))).toEqual(out.collateral);
    const err = await verifyEvidence(
      { platform: 'tdx', evidence: out.evidence, ...(out.collateral ? { collateral: out.collateral } : {}) },
      { at: AT, expectedReportData: reportData },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AttestationError);
    expect((err as AttestationError).checks.at(-1)?.name).toBe('tdx.tcb.level');
    const failing = new TdxConfigfsProvider({
      root: await tempRoot(),
      fs: fakeKernel(quote),
      collateral: () => Promise.reject(new Error('PCCS down')),
    });
    await expect(failing.getEvidence(reportData)).rejects.toMatchObject({
      code: 'RUNTIME_ATTESTATION_UNAVAILABLE',
    });
  });

  test('refuses a quote that does not carry the requested report data, or no quote at all', async () => {
    const quote = await recordedQuote();
    const provider = new TdxConfigfsProvider({ root: await tempRoot(), fs: fakeKernel(quote) });
    await expect(provider.getEvidence(new Uint8Array(64))).rejects.toThrow(/requested report data/);
    const empty = new TdxConfigfsProvider({ root: await tempRoot(), fs: fakeKernel(new Uint8Array(0)) });
    await expect(empty.getEvidence(new Uint8Array(64))).rejects.toThrow(/no valid TDX quote/);
    await expect(provider.getEvidence(new Uint8Array(32))).rejects.toBeInstanceOf(RuntimeError);
  });

  test('detects a concurrent writer through generation', async () => {
    const quote = await recordedQuote();
    const kernel = fakeKernel(quote);
    const racing: ConfigfsFs = {
      ...kernel,
      async readFile(path) {
        const bytes = await kernel.readFile(path);
        if (path.endsWith('outblob')) await fs.writeFile(join(path, '..', 'generation'), '9\n');
        return bytes;
      },
    };
    const provider = new TdxConfigfsProvider({ root: await tempRoot(), fs: racing });
    await expect(provider.getEvidence(parseTdxQuote(quote).body.reportData.slice())).rejects.toThrow(
      /changed while reading/,
    );
  });

  test('not a TDX guest: another provider, or no configfs-tsm at all', async () => {
    const quote = await recordedQuote();
    const snp = new TdxConfigfsProvider({ root: await tempRoot(), fs: fakeKernel(quote, 'sev_guest') });
    await expect(snp.getEvidence(new Uint8Array(64))).rejects.toMatchObject({
      code: 'RUNTIME_NOT_AN_ENCLAVE',
    });
    const missing = new TdxConfigfsProvider({ root: join(tmpdir(), 'no-such-configfs', String(Date.now())) });
    await expect(missing.getEvidence(new Uint8Array(64))).rejects.toMatchObject({
      code: 'RUNTIME_ATTESTATION_UNAVAILABLE',
    });
  });
});
