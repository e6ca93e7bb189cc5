import * as fs from 'node:fs/promises';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyEvidence } from '@blindbox/attestation';
import { decodePemCertificates, parseSnpReport } from '@blindbox/attestation/internal';
import { describe, expect, test } from 'vitest';
import { RuntimeError } from '../runtime-error.js';
import { encodeSnpCertTable, parseSnpCertTable, SNP_CERT_GUIDS } from './sev-snp-cert-table.js';
import { type ConfigfsFs, SevSnpConfigfsProvider } from './sev-snp-configfs-provider.js';
import { SevSnpGuestDeviceProvider } from './sev-snp-guest-device-provider.js';

const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../../vectors/', import.meta.url));
const read = async (p: string) => new Uint8Array(await fs.readFile(join(VECTORS, p)));

/** Recorded evidence from real hardware: the Milan report, its VCEK and the ASK/ARK. */
async function recorded() {
  const report = Buffer.from(
    (await fs.readFile(join(VECTORS, 'sev-snp/milan-valid/report.hex'), 'utf8')).trim(),
    'hex',
  );
  const [ask, ark] = decodePemCertificates(
    await fs.readFile(join(VECTORS, 'sev-snp/roots/ask_ark_milan.pem'), 'utf8'),
  );
  const certTable = encodeSnpCertTable({
    vcek: await read('sev-snp/milan-valid/vcek.der'),
    ask: ask!,
    ark: ark!,
  });
  return {
    report: new Uint8Array(report),
    certTable,
    reportData: parseSnpReport(new Uint8Array(report)).reportData,
  };
}

/**
 * A temp directory that behaves like configfs-tsm: mkdir creates the entry's attribute files, and a
 * write to inblob bumps `generation` and produces the recorded report and certificate table.
 */
function fakeKernel(
  evidence: { report: Uint8Array; certTable: Uint8Array },
  provider = 'sev_guest',
): ConfigfsFs & { writes: string[] } {
  const writes: string[] = [];
  return {
    writes,
    async mkdir(path) {
      await fs.mkdir(path);
      await fs.writeFile(join(path, 'provider'), `${provider}\n`);
      await fs.writeFile(join(path, 'generation'), '0\n');
      await fs.writeFile(join(path, 'outblob'), '');
      await fs.writeFile(join(path, 'auxblob'), '');
    },
    async rmdir(path) {
      await fs.rm(path, { recursive: true });
    },
    readFile: async (path) => new Uint8Array(await fs.readFile(path)),
    async writeFile(path, data) {
      writes.push(path.split('/').at(-1)!);
      await fs.writeFile(path, data);
      if (path.endsWith('inblob') || path.endsWith('privlevel')) {
        const dir = path.slice(0, path.lastIndexOf('/'));
        const gen = Number((await fs.readFile(join(dir, 'generation'), 'utf8')).trim());
        await fs.writeFile(join(dir, 'generation'), `${gen + 1}\n`);
        await fs.writeFile(join(dir, 'outblob'), evidence.report);
        await fs.writeFile(join(dir, 'auxblob'), evidence.certTable);
      }
    },
  };
}

describe('SevSnpConfigfsProvider (configfs-tsm laid out in a temp dir, recorded Milan evidence)', () => {
  test('returns the report and the certificates as collateral; the verifier accepts them', async () => {
    const ev = await recorded();
    const root = await mkdtemp(join(tmpdir(), 'tsm-report-'));
    const kernel = fakeKernel(ev);
    const provider = new SevSnpConfigfsProvider({ root, fs: kernel, privilegeLevel: 0 });
    const out = await provider.getEvidence(ev.reportData);
    expect(out.evidence).toEqual(ev.report);
    expect(Object.keys(out.collateral ?? {}).sort()).toEqual(['certChain', 'vcek']);
    expect(kernel.writes).toEqual(['privlevel', 'inblob']);
    expect(await readdir(root)).toEqual([]); // the entry is removed
    const report = await verifyEvidence(
      {
        platform: 'sev-snp',
        evidence: out.evidence,
        ...(out.collateral ? { collateral: out.collateral } : {}),
      },
      { at: new Date('2024-01-01T00:00:00Z'), expectedReportData: ev.reportData },
    );
    expect(report.measurement).toMatch(/^7a1e5c26/);
  });

  test('refuses a report that does not carry the requested report data', async () => {
    const ev = await recorded();
    const provider = new SevSnpConfigfsProvider({
      root: await mkdtemp(join(tmpdir(), 'tsm-report-')),
      fs: fakeKernel(ev),
    });
    await expect(provider.getEvidence(new Uint8Array(64))).rejects.toMatchObject({
      code: 'RUNTIME_ATTESTATION_UNAVAILABLE',
    });
  });

  test('detects a concurrent writer through generation', async () => {
    const ev = await recorded();
    const kernel = fakeKernel(ev);
    const racing: ConfigfsFs = {
      ...kernel,
      async readFile(path) {
        const bytes = await kernel.readFile(path);
        if (path.endsWith('outblob')) await fs.writeFile(join(path, '..', 'generation'), '7\n');
        return bytes;
      },
    };
    const provider = new SevSnpConfigfsProvider({
      root: await mkdtemp(join(tmpdir(), 'tsm-report-')),
      fs: racing,
    });
    await expect(provider.getEvidence(ev.reportData)).rejects.toThrow(/changed while reading/);
  });

  test('not an SEV-SNP guest: another provider, or no configfs-tsm at all', async () => {
    const ev = await recorded();
    const tdx = new SevSnpConfigfsProvider({
      root: await mkdtemp(join(tmpdir(), 'tsm-report-')),
      fs: fakeKernel(ev, 'tdx_guest'),
    });
    await expect(tdx.getEvidence(ev.reportData)).rejects.toMatchObject({ code: 'RUNTIME_NOT_AN_ENCLAVE' });
    const missing = new SevSnpConfigfsProvider({
      root: join(tmpdir(), 'no-such-configfs', String(Date.now())),
    });
    await expect(missing.getEvidence(ev.reportData)).rejects.toBeInstanceOf(RuntimeError);
    expect(() => new SevSnpConfigfsProvider({ privilegeLevel: 4 })).toThrow(RuntimeError);
  });
});

describe('SNP certificate table', () => {
  test('round-trips, and reads GUIDs in either byte order', async () => {
    const ev = await recorded();
    const parsed = parseSnpCertTable(ev.certTable);
    expect(Object.keys(parsed).sort()).toEqual(['ark', 'ask', 'vcek']);
    // the same table with the mixed-endian GUID layout
    const le = ev.certTable.slice();
    for (let i = 0; i < 3; i++) {
      const g = le.subarray(i * 24, i * 24 + 16);
      g.set([g[3]!, g[2]!, g[1]!, g[0]!, g[5]!, g[4]!, g[7]!, g[6]!]);
    }
    expect(parseSnpCertTable(le).vcek).toEqual(parsed.vcek);
    expect(SNP_CERT_GUIDS.vcek).toBe('63da758d-e664-4564-adc5-f4b93be8accd');
    expect(() => parseSnpCertTable(ev.certTable.subarray(0, 30))).toThrow(RuntimeError);
  });
});

describe('SevSnpGuestDeviceProvider (recorded evidence behind the device interface)', () => {
  test('returns verified-shape evidence and refuses a mismatched report', async () => {
    const ev = await recorded();
    const calls: number[] = [];
    const provider = new SevSnpGuestDeviceProvider({
      devicePath: null,
      vmpl: 0,
      device: {
        async getExtendedReport(_data, vmpl) {
          calls.push(vmpl);
          return { report: ev.report, certTable: ev.certTable };
        },
      },
    });
    const out = await provider.getEvidence(ev.reportData);
    expect(out.evidence).toEqual(ev.report);
    await verifyEvidence(
      {
        platform: 'sev-snp',
        evidence: out.evidence,
        ...(out.collateral ? { collateral: out.collateral } : {}),
      },
      { at: new Date('2024-01-01T00:00:00Z') },
    );
    await expect(provider.getEvidence(new Uint8Array(64))).rejects.toBeInstanceOf(RuntimeError);
    expect(calls).toEqual([0, 0]);
    const noDevice = new SevSnpGuestDeviceProvider({
      devicePath: '/dev/no-such-sev-guest',
      device: { getExtendedReport: async () => ev },
    });
    await expect(noDevice.getEvidence(ev.reportData)).rejects.toMatchObject({
      code: 'RUNTIME_NOT_AN_ENCLAVE',
    });
  });
});
