import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../../../vectors/', import.meta.url));
const v = (p: string) => join(VECTORS, p);
const expected = JSON.parse(readFileSync(v('expected.json'), 'utf8')) as Record<
  string,
  { fields: Record<string, unknown> }
>;
const RUN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../../dist/commands/evidence/verify.js', import.meta.url));

interface Outcome {
  code: number;
  json: Record<string, unknown>;
}

function cli(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [RUN, 'evidence', 'verify', ...args, '--json'], (err, stdout) => {
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = { unparsed: stdout };
      }
      resolve({ code, json });
    });
  });
}

const errorCode = (o: Outcome) => (o.json['error'] as { code?: string } | undefined)?.code;

describe.skipIf(!existsSync(BUILT) && process.env['CI'] === undefined)(
  'blindbox evidence verify (child process)',
  () => {
    let tmp: string;
    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), 'blindbox-evidence-'));
      const report = Buffer.from(readFileSync(v('sev-snp/milan-valid/report.hex'), 'utf8').trim(), 'hex');
      report[21]! ^= 0x80;
      writeFileSync(join(tmp, 'flipped.bin'), report);
    });

    test('every vector case: exit codes and JSON', { timeout: 120_000 }, async () => {
      const milan = [
        '--platform',
        'sev-snp',
        '--cert',
        v('sev-snp/milan-valid/vcek.der'),
        '--chain',
        v('sev-snp/roots/ask_ark_milan.pem'),
      ];
      const milanDebug = [
        v('sev-snp/milan-debug/report.bin'),
        '--platform',
        'sev-snp',
        '--cert',
        v('sev-snp/milan-debug/vcek.der'),
        '--at',
        '2023-01-01T00:00:00Z',
      ];
      const aci = [
        v('sev-snp/aci/report.bin'),
        '--platform',
        'sev-snp',
        '--thim',
        v('sev-snp/aci/host_amd_certificate.json'),
        '--at',
        '2024-01-01T00:00:00Z',
      ];
      const nitro = [v('nitro/valid/document.cbor'), '--platform', 'nitro'];
      const nitroDebug = [
        v('nitro/debug/document.cbor'),
        '--platform',
        'nitro',
        '--at',
        '2022-10-12T15:00:00Z',
      ];
      const f = expected['nitro/valid']!.fields;
      const [
        milanOk,
        milanExpired,
        milanFlipped,
        forgedNew,
        forgedLegacy,
        debugDefault,
        debugAllowed,
        aciOk,
        aciWrongHost,
        nitroOk,
        nitroExpired,
        nitroBadSig,
        nitroDebugDefault,
        nitroDebugAllowed,
        nitroPcrs,
        nitroWrongPcr,
        nitroReportData,
        nitroPcr0Alone,
        nitroPcr8Alone,
        nitroPcr0And8,
      ] = await Promise.all([
        cli(
          v('sev-snp/milan-valid/report.hex'),
          ...milan,
          '--at',
          '2024-01-01T00:00:00Z',
          '--expect-report-data',
          String(expected['sev-snp/milan-valid']!.fields['reportData']),
        ),
        cli(v('sev-snp/milan-valid/report.hex'), ...milan, '--at', '2031-01-01T00:00:00Z'),
        cli(join(tmp, 'flipped.bin'), ...milan, '--at', '2024-01-01T00:00:00Z'),
        cli(
          v('sev-snp/milan-valid/report.hex'),
          '--platform',
          'sev-snp',
          '--cert',
          v('sev-snp/forged-vcek/vcek-invalid-new.der'),
          '--at',
          '2024-01-01T00:00:00Z',
        ),
        cli(
          v('sev-snp/milan-valid/report.hex'),
          '--platform',
          'sev-snp',
          '--cert',
          v('sev-snp/forged-vcek/vcek-invalid-legacy.der'),
          '--at',
          '2024-01-01T00:00:00Z',
        ),
        cli(...milanDebug),
        cli(...milanDebug, '--allow-debug'),
        cli(...aci, '--expect-host-data', String(expected['sev-snp/aci']!.fields['hostData'])),
        cli(...aci, '--expect-host-data', '00'.repeat(32)),
        cli(...nitro, '--at', '2022-11-10T00:00:00Z'),
        cli(...nitro, '--at', '2022-11-11T00:00:00Z'),
        cli(v('nitro/valid/document_bad_sig.cbor'), '--platform', 'nitro', '--at', '2022-11-10T00:00:00Z'),
        cli(...nitroDebug),
        cli(...nitroDebug, '--allow-debug'),
        cli(
          ...nitro,
          '--at',
          '2022-11-10T00:00:00Z',
          '--expect-pcr',
          `0=${f['pcr0']}`,
          '--expect-pcr',
          `1=${f['pcr1']}`,
          '--expect-pcr',
          `2=${f['pcr2']}`,
        ),
        cli(
          ...nitro,
          '--at',
          '2022-11-10T00:00:00Z',
          '--expect-pcr',
          `0=${f['pcr0']}`,
          '--expect-pcr',
          `1=${f['pcr1']}`,
          '--expect-pcr',
          `2=${'00'.repeat(48)}`,
        ),
        cli(...nitro, '--at', '2022-11-10T00:00:00Z', '--expect-report-data', '00'.repeat(32)),
        // PCR0 alone pins the whole image; PCR8 alone pins a signer (this image is unsigned)
        cli(...nitro, '--at', '2022-11-10T00:00:00Z', '--expect-pcr', `0=${f['pcr0']}`),
        cli(...nitro, '--at', '2022-11-10T00:00:00Z', '--expect-pcr', `8=${'11'.repeat(48)}`),
        cli(
          ...nitro,
          '--at',
          '2022-11-10T00:00:00Z',
          '--expect-pcr',
          `0=${f['pcr0']}`,
          '--expect-pcr',
          `8=${'11'.repeat(48)}`,
        ),
      ]);
      expect(milanOk.code, JSON.stringify(milanOk.json)).toBe(0);
      expect(milanOk.json).toMatchObject({
        ok: true,
        platform: 'sev-snp',
        measurement: expected['sev-snp/milan-valid']!.fields['measurement'],
        reportData: expected['sev-snp/milan-valid']!.fields['reportData'],
        hostData: expected['sev-snp/milan-valid']!.fields['hostData'],
        debug: false,
      });
      expect(Array.isArray(milanOk.json['checks'])).toBe(true);
      expect([milanExpired.code, errorCode(milanExpired)]).toEqual([1, 'ATTESTATION_CERT_EXPIRED']);
      expect(milanExpired.json['ok']).toBe(false);
      expect([milanFlipped.code, errorCode(milanFlipped)]).toEqual([1, 'ATTESTATION_BAD_SIGNATURE']);
      expect([forgedNew.code, errorCode(forgedNew)]).toEqual([1, 'ATTESTATION_CERT_CHAIN']);
      expect([forgedLegacy.code, errorCode(forgedLegacy)]).toEqual([1, 'ATTESTATION_CERT_CHAIN']);
      expect([debugDefault.code, errorCode(debugDefault)]).toEqual([1, 'ATTESTATION_DEBUG']);
      expect(debugDefault.json['debug']).toBe(true);
      expect([debugAllowed.code, debugAllowed.json['debug']]).toEqual([0, true]);
      expect(aciOk.code, JSON.stringify(aciOk.json['error'])).toBe(0);
      expect(aciOk.json['hostData']).toBe(expected['sev-snp/aci']!.fields['hostData']);
      expect([aciWrongHost.code, errorCode(aciWrongHost)]).toEqual([1, 'ATTESTATION_HOST_DATA_MISMATCH']);
      expect(nitroOk.code, JSON.stringify(nitroOk.json['error'])).toBe(0);
      expect(nitroOk.json).toMatchObject({
        ok: true,
        platform: 'nitro',
        measurement: f['pcr0'],
        reportData: f['userData'],
        debug: false,
      });
      expect((nitroOk.json['pcrs'] as Record<string, string>)['1']).toBe(f['pcr1']);
      expect([nitroExpired.code, errorCode(nitroExpired)]).toEqual([1, 'ATTESTATION_CERT_EXPIRED']);
      expect([nitroBadSig.code, errorCode(nitroBadSig)]).toEqual([1, 'ATTESTATION_BAD_SIGNATURE']);
      expect([nitroDebugDefault.code, errorCode(nitroDebugDefault)]).toEqual([1, 'ATTESTATION_DEBUG']);
      expect([nitroDebugAllowed.code, nitroDebugAllowed.json['debug']]).toEqual([0, true]);
      expect(nitroPcrs.code).toBe(0);
      expect([nitroWrongPcr.code, errorCode(nitroWrongPcr)]).toEqual([1, 'ATTESTATION_PCR_MISMATCH']);
      expect([nitroReportData.code, errorCode(nitroReportData)]).toEqual([1, 'ATTESTATION_BINDING_MISMATCH']);
      expect(nitroPcr0Alone.code, JSON.stringify(nitroPcr0Alone.json['error'])).toBe(0);
      expect([nitroPcr8Alone.code, errorCode(nitroPcr8Alone)]).toEqual([1, 'ATTESTATION_PCR_MISMATCH']);
      expect([nitroPcr0And8.code, errorCode(nitroPcr0And8)]).toEqual([1, 'ATTESTATION_PCR_MISMATCH']);
    });

    test('usage errors exit 2', { timeout: 60_000 }, async () => {
      const doc = v('nitro/valid/document.cbor');
      const outcomes = await Promise.all([
        cli(doc, '--platform', 'sgx'), // not a platform (tdx is one now)
        cli(doc, '--platform', 'nitro', '--at', 'yesterday'),
        cli(join(tmp, 'missing.bin'), '--platform', 'nitro'),
        // PCR1 and PCR2 without PCR0 or PCR8 pin no application
        cli(
          doc,
          '--platform',
          'nitro',
          '--expect-pcr',
          `1=${'00'.repeat(48)}`,
          '--expect-pcr',
          `2=${'00'.repeat(48)}`,
        ),
        cli(doc, '--platform', 'nitro', '--expect-host-data', '00'),
        cli(doc, '--platform', 'nitro', '--expect-measurement', 'xyz'),
        cli(doc),
      ]);
      for (const o of outcomes) {
        expect(o.code, JSON.stringify(o.json)).toBe(2);
        expect(o.json['ok']).toBe(false);
      }
    });
  },
);
