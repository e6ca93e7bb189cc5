import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../base-command.js';
import { decodeEvidenceFile } from './decode-evidence-file.js';
import { parsePcrFlags } from './parse-pcr-flags.js';
import { verifyEvidenceFile } from './verify-evidence-file.js';

const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../../vectors/', import.meta.url));
const v = (p: string) => join(VECTORS, p);
const expected = JSON.parse(readFileSync(v('expected.json'), 'utf8')) as Record<
  string,
  { fields: Record<string, unknown> }
>;

describe('verifyEvidenceFile (in process)', () => {
  test('detects hex and base64 text, and raw bytes', () => {
    const raw = new Uint8Array(readFileSync(v('sev-snp/milan-debug/report.bin')));
    expect(decodeEvidenceFile(raw).bytes).toEqual(raw);
    expect(decodeEvidenceFile(new TextEncoder().encode(Buffer.from(raw).toString('hex'))).bytes).toEqual(raw);
    expect(decodeEvidenceFile(new TextEncoder().encode(Buffer.from(raw).toString('base64'))).bytes).toEqual(
      raw,
    );
    expect(() => decodeEvidenceFile(new TextEncoder().encode('zz'), 'hex')).toThrow(UsageError);
    expect(() => decodeEvidenceFile(raw, 'hcl')).toThrow(UsageError);
  });

  test('accepts the Milan report and rejects it at 2031 with the checks made', async () => {
    const req = {
      platform: 'sev-snp' as const,
      file: new Uint8Array(readFileSync(v('sev-snp/milan-valid/report.hex'))),
      cert: new Uint8Array(readFileSync(v('sev-snp/milan-valid/vcek.der'))),
      at: new Date('2024-01-01T00:00:00Z'),
    };
    const ok = await verifyEvidenceFile(req);
    expect(ok.ok).toBe(true);
    expect(ok.measurement).toBe(expected['sev-snp/milan-valid']!.fields['measurement']);
    const no = await verifyEvidenceFile({ ...req, at: new Date('2031-01-01T00:00:00Z') });
    expect(no).toMatchObject({ ok: false, error: { code: 'ATTESTATION_CERT_EXPIRED' } });
    expect(no.checks.at(-1)).toMatchObject({ name: 'snp.chain.vcek.validity', ok: false });
  });

  test('PCR flags: N=hex, a set names PCR0 or PCR8, no repeats', async () => {
    expect(parsePcrFlags(['0=AB', '8=0xcd'])).toEqual({ 0: 'ab', 8: 'cd' });
    expect(() => parsePcrFlags(['5=00'])).toThrow(UsageError);
    expect(() => parsePcrFlags(['0=00', '0=11'])).toThrow(UsageError);
    await expect(
      verifyEvidenceFile({
        platform: 'nitro',
        file: new Uint8Array(readFileSync(v('nitro/valid/document.cbor'))),
        expectPcrs: { 1: '00', 2: '00' },
      }),
    ).rejects.toThrow(UsageError);
    const wrongPcr0 = await verifyEvidenceFile({
      platform: 'nitro',
      file: new Uint8Array(readFileSync(v('nitro/valid/document.cbor'))),
      expectPcrs: { 0: '00' },
    });
    expect(wrongPcr0.ok).toBe(false);
  });
});
