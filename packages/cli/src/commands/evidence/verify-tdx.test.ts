import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../../../vectors/', import.meta.url));
const v = (p: string) => join(VECTORS, 'tdx/spr', p);
const RUN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../../dist/commands/evidence/verify.js', import.meta.url));

interface Outcome {
  code: number;
  json: Record<string, unknown>;
  stderr: string;
}

function cli(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [RUN, 'evidence', 'verify', ...args, '--json'], (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = { unparsed: stdout };
      }
      resolve({ code, json, stderr });
    });
  });
}

const errorCode = (o: Outcome) => (o.json['error'] as { code?: string } | undefined)?.code;
const lastCheck = (o: Outcome) => (o.json['checks'] as { name: string }[] | undefined)?.at(-1)?.name;

const CAPTURE = '2023-07-01T01:00:00Z';
const MRTD =
  '6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb';
const COLLATERAL = [
  '--tcb-info',
  v('sample_tcbInfo_response'),
  '--tcb-info-chain',
  v('tcbinfo_issuer_chain.pem'),
  '--qe-identity',
  v('sample_qeIdentity_response'),
  '--qe-identity-chain',
  v('qeidentity_issuer_chain.pem'),
  '--pck-crl',
  v('pckcrl'),
  '--pck-crl-chain',
  v('pckcrl_issuer_chain.pem'),
  '--root-crl',
  v('rootcrl.der'),
];

describe.skipIf(!existsSync(BUILT) && process.env['CI'] === undefined)(
  'blindbox evidence verify --platform tdx (child process, the Sapphire Rapids vector)',
  () => {
    let quote: string;
    let flipped: string;
    beforeAll(() => {
      const tmp = mkdtempSync(join(tmpdir(), 'blindbox-tdx-'));
      // The quote proper: the published file without the 39 bytes go-tdx-guest appended for its tests.
      const bytes = readFileSync(v('tdx_prod_quote_SPR_E4.dat')).subarray(0, 4935);
      quote = join(tmp, 'quote.dat');
      writeFileSync(quote, bytes);
      const bad = Buffer.from(bytes);
      bad[48 + 136]! ^= 0x01; // MRTD
      flipped = join(tmp, 'flipped.dat');
      writeFileSync(flipped, bad);
    });

    test('verdicts and exit codes: 0 accepted, 1 rejected', { timeout: 300_000 }, async () => {
      const tdx = ['--platform', 'tdx'];
      const [
        ok,
        published,
        publishedAllowed,
        full,
        expired,
        missing,
        pckExpired,
        bitFlip,
        mrtd,
        wrongMrtd,
        wrongConfig,
        wrongData,
      ] = await Promise.all([
        cli(quote, ...tdx, '--no-collateral', '--at', CAPTURE),
        cli(v('tdx_prod_quote_SPR_E4.dat'), ...tdx, '--no-collateral', '--at', CAPTURE),
        cli(
          v('tdx_prod_quote_SPR_E4.dat'),
          ...tdx,
          '--no-collateral',
          '--allow-trailing-bytes',
          '--at',
          CAPTURE,
        ),
        cli(quote, ...tdx, ...COLLATERAL, '--at', CAPTURE),
        cli(quote, ...tdx, ...COLLATERAL, '--at', '2023-08-01T00:00:00Z'),
        cli(quote, ...tdx, '--at', CAPTURE),
        cli(quote, ...tdx, '--no-collateral', '--at', '2030-01-01T00:00:00Z'),
        cli(flipped, ...tdx, '--no-collateral', '--at', CAPTURE),
        cli(quote, ...tdx, '--no-collateral', '--at', CAPTURE, '--expect-mrtd', MRTD.toUpperCase()),
        cli(quote, ...tdx, '--no-collateral', '--at', CAPTURE, '--expect-mrtd', 'ab'.repeat(48)),
        cli(quote, ...tdx, '--no-collateral', '--at', CAPTURE, '--expect-mrconfigid', 'ab'.repeat(48)),
        cli(quote, ...tdx, '--no-collateral', '--at', CAPTURE, '--expect-report-data', '00'.repeat(64)),
      ]);
      expect([ok.code, ok.json['ok'], ok.json['measurement'], ok.json['tcbStatus']]).toEqual([
        0,
        true,
        MRTD,
        'NotAssessed',
      ]);
      expect([published.code, errorCode(published)]).toEqual([1, 'ATTESTATION_MALFORMED_EVIDENCE']);
      expect([publishedAllowed.code, publishedAllowed.json['ok']]).toEqual([0, true]);
      // Every signature, CRL and date of Intel's collateral verifies; no TCB level covers the platform.
      expect([full.code, errorCode(full), lastCheck(full)]).toEqual([1, 'ATTESTATION_TCB', 'tdx.tcb.level']);
      // Unverified fields are still shown for a rejected quote.
      expect(full.json['measurement']).toBe(MRTD);
      expect([expired.code, errorCode(expired)]).toEqual([1, 'ATTESTATION_COLLATERAL_EXPIRED']);
      expect([missing.code, errorCode(missing)]).toEqual([1, 'ATTESTATION_MISSING_COLLATERAL']);
      expect([pckExpired.code, errorCode(pckExpired), lastCheck(pckExpired)]).toEqual([
        1,
        'ATTESTATION_CERT_EXPIRED',
        'tdx.chain.pck.validity',
      ]);
      expect([bitFlip.code, errorCode(bitFlip), lastCheck(bitFlip)]).toEqual([
        1,
        'ATTESTATION_BAD_SIGNATURE',
        'tdx.signature',
      ]);
      expect([mrtd.code, lastCheck(mrtd)]).toEqual([0, 'tdx.mrtd']);
      expect([wrongMrtd.code, errorCode(wrongMrtd)]).toEqual([1, 'ATTESTATION_MEASUREMENT_MISMATCH']);
      expect([wrongConfig.code, errorCode(wrongConfig)]).toEqual([1, 'ATTESTATION_MRCONFIGID_MISMATCH']);
      expect([wrongData.code, errorCode(wrongData)]).toEqual([1, 'ATTESTATION_BINDING_MISMATCH']);
    });

    test('usage errors exit 2', { timeout: 300_000 }, async () => {
      const tdx = ['--platform', 'tdx', '--at', CAPTURE];
      const outcomes = await Promise.all([
        cli(
          quote,
          ...tdx,
          '--no-collateral',
          '--tcb-info',
          v('sample_tcbInfo_response'),
          '--tcb-info-chain',
          v('tcbinfo_issuer_chain.pem'),
        ),
        cli(quote, ...tdx, '--tcb-info', v('sample_tcbInfo_response')),
        cli(quote, ...tdx, '--no-collateral', '--expect-mrtd', 'xyz'),
        cli(quote, ...tdx, '--no-collateral', '--expect-rtmr', '5=00'),
        cli(quote, ...tdx, ...COLLATERAL, '--accept-tcb-status', 'Revoked'),
        cli(quote, '--platform', 'sev-snp', '--tcb-info', v('sample_tcbInfo_response')),
        cli(quote, ...tdx, '--no-collateral', '--format', 'hcl'),
        cli(quote, ...tdx, '--pck-crl', join(tmpdir(), 'no-such-crl.der')),
      ]);
      expect(outcomes.map((o) => o.code)).toEqual(outcomes.map(() => 2));
    });

    test('RTMRs and accepted TCB statuses reach the verifier', { timeout: 300_000 }, async () => {
      const rtmr0 =
        '2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b51779c6593f32a';
      const [right, wrong, statuses] = await Promise.all([
        cli(quote, '--platform', 'tdx', '--no-collateral', '--at', CAPTURE, '--expect-rtmr', `0=${rtmr0}`),
        cli(quote, '--platform', 'tdx', '--no-collateral', '--at', CAPTURE, '--expect-rtmr', `1=${rtmr0}`),
        // Accepting more statuses cannot make a platform that no TCB level covers pass.
        cli(quote, '--platform', 'tdx', ...COLLATERAL, '--at', CAPTURE, '--accept-tcb-status', 'OutOfDate'),
      ]);
      expect([right.code, lastCheck(right)]).toEqual([0, 'tdx.rtmr0']);
      expect([wrong.code, errorCode(wrong), lastCheck(wrong)]).toEqual([
        1,
        'ATTESTATION_RTMR_MISMATCH',
        'tdx.rtmr1',
      ]);
      expect([statuses.code, lastCheck(statuses)]).toEqual([1, 'tdx.tcb.level']);
    });
  },
);
