import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type VerificationReport, verifyEvidence } from '@blindbox/attestation';
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptMeasurement, acceptMeasurementFromRelease } from '../src/accept-measurement.js';
import { ClientError } from '../src/client-error.js';
import type { PinnedRelease } from '../src/client-policy.js';
import { compareReleaseValues } from '../src/compare-release-values.js';

/*
 * The release values a client checks, against evidence captured on real hardware (vectors/, see its
 * README): Azure Container Instances (SEV-SNP with the THIM collateral), a Sapphire Rapids TD (TDX)
 * and an AWS Nitro enclave, each verified at its capture time. The evidence cannot bind a nonce of
 * ours, so these tests judge the verified report the way `connect` does after the binding check.
 */

const VECTORS = fileURLToPath(new URL('../../../vectors/', import.meta.url));
const file = (path: string) => new Uint8Array(readFileSync(join(VECTORS, path)));
const text = (path: string) => readFileSync(join(VECTORS, path), 'utf8');
const expected = JSON.parse(text('expected.json')) as Record<
  string,
  { files: Record<string, string>; at: string; fields?: Record<string, string> }
>;
const aci = expected['sev-snp/aci']!;
const nitroCase = expected['nitro/valid']!;

let snp: VerificationReport;
let tdx: VerificationReport;
let nitro: VerificationReport;
/** SHA-256 of the decoded ccePolicy: what `blindbox build` records as snp.hostData for ACI. */
const aciHostData = createHash('sha256')
  .update(Buffer.from(text(aci.files['securityPolicy']!).trim(), 'base64'))
  .digest('hex');

beforeAll(async () => {
  snp = await verifyEvidence(
    {
      platform: 'sev-snp',
      evidence: file(aci.files['report']!),
      collateral: { thim: text(aci.files['hostAmdCertificate']!) },
    },
    { at: new Date(aci.at) },
  );
  // Intel's collateral published with this quote has no TCB level for it (go-tdx-guest's own test
  // says so), so the quote and PCK chain are verified without it: the TCB status is NotAssessed.
  const tdxDir = 'tdx/spr';
  tdx = await verifyEvidence(
    { platform: 'tdx', evidence: file(`${tdxDir}/tdx_prod_quote_SPR_E4.dat`).slice(0, 4935) },
    { at: new Date('2023-07-01T01:00:00Z'), tdx: { noCollateral: true } },
  );
  nitro = await verifyEvidence(
    { platform: 'nitro', evidence: file(nitroCase.files['document']!) },
    { at: new Date(nitroCase.at) },
  );
});

const snpRelease = (over: Record<string, string> = {}): PinnedRelease => ({
  app: 'transcriber',
  version: '1.4.0',
  measurements: {
    'oci.imageDigest': `sha256:${'ab'.repeat(32)}`,
    simulated: 'cd'.repeat(48),
    'sev-snp': aci.fields!['measurement']!,
    'snp.hostData': aciHostData,
    ...over,
  },
});

const pinned = (...releases: PinnedRelease[]) => ({ kind: 'pinned' as const, releases });

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<ClientError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(ClientError);
    return err as ClientError;
  }
  throw new Error('expected a ClientError');
}

describe('SEV-SNP release values against the ACI vector', () => {
  it('accepts it when the release pins its measurement and host_data (the ccePolicy hash)', async () => {
    expect(aciHostData).toBe(aci.fields!['hostData']);
    const accepted = await acceptMeasurement(snp, pinned(snpRelease()), undefined, new Date(aci.at));
    expect(accepted).toMatchObject({ app: 'transcriber', version: '1.4.0', via: 'pinned' });
    expect(accepted.compared.map((c) => [c.key, c.field, c.ok])).toEqual([
      ['sev-snp', 'MEASUREMENT', true],
      ['snp.hostData', 'HOST_DATA', true],
    ]);
  });

  it('rejects it when host_data differs, with a typed error naming the field', async () => {
    const other = 'ee'.repeat(32);
    const err = await refusal(
      acceptMeasurement(snp, pinned(snpRelease({ 'snp.hostData': other })), undefined, new Date(aci.at)),
    );
    expect(err).toMatchObject({
      code: 'CLIENT_MEASUREMENT_NOT_ACCEPTED',
      field: 'snp.hostData',
      expected: other,
      found: aciHostData,
    });
    expect(err.message).toContain('HOST_DATA');
  });

  it('checks the guest policy exactly and the TCB as a minimum per component', () => {
    const ok = compareReleaseValues(
      snp,
      snpRelease({ 'snp.guestPolicy': '0x3001F', 'snp.minTcb': 'bl=3 tee=0 snp=8 ucode=115' }).measurements,
    );
    expect(ok.verdict).toBe('accepted');
    const lower = compareReleaseValues(
      snp,
      snpRelease({ 'snp.minTcb': 'bl=2 tee=0 snp=1 ucode=100' }).measurements,
    );
    expect(lower.verdict).toBe('accepted');
    const newer = compareReleaseValues(
      snp,
      snpRelease({ 'snp.minTcb': 'bl=3 tee=0 snp=8 ucode=116' }).measurements,
    );
    expect(newer).toMatchObject({
      verdict: 'mismatch',
      failed: { key: 'snp.minTcb', found: 'bl=3 tee=0 snp=8 ucode=115' },
    });
    const policy = compareReleaseValues(snp, snpRelease({ 'snp.guestPolicy': '0x30000' }).measurements);
    expect(policy).toMatchObject({
      verdict: 'mismatch',
      failed: { key: 'snp.guestPolicy', found: '0x3001f' },
    });
  });

  it('refuses a platform the release does not list, and a release that pins no launch measurement', async () => {
    const simOnly = await refusal(
      acceptMeasurement(snp, pinned({ measurements: { simulated: 'cd'.repeat(48) } }), undefined, new Date()),
    );
    expect(simOnly.code).toBe('CLIENT_PLATFORM_NOT_ACCEPTED');
    expect(simOnly.message).toContain('sev-snp evidence');
    const noLaunch = await refusal(
      acceptMeasurement(
        snp,
        pinned({ measurements: { 'snp.hostData': aciHostData } }),
        undefined,
        new Date(),
      ),
    );
    expect(noLaunch.code).toBe('CLIENT_BAD_POLICY');
    expect(noLaunch.message).toContain('sev-snp');
  });

  it('fails closed on a value it cannot check or cannot read', () => {
    expect(compareReleaseValues(snp, snpRelease({ 'snp.idKeyDigest': '00' }).measurements)).toMatchObject({
      verdict: 'unusable',
      reason: expect.stringContaining('snp.idKeyDigest'),
    });
    expect(compareReleaseValues(snp, snpRelease({ 'snp.hostData': 'not hex' }).measurements).verdict).toBe(
      'unusable',
    );
    expect(compareReleaseValues(snp, snpRelease({ 'snp.minTcb': 'ucode>=115' }).measurements).verdict).toBe(
      'unusable',
    );
    // Another platform's unknown key is that platform's business, not this evidence's.
    expect(compareReleaseValues(snp, snpRelease({ 'tdx.somethingNew': '00' }).measurements).verdict).toBe(
      'accepted',
    );
  });

  it('with several pinned releases, accepts the one that matches and otherwise names the mismatch', async () => {
    const good = snpRelease();
    const wrong = snpRelease({ 'sev-snp': '00'.repeat(48) });
    expect((await acceptMeasurement(snp, pinned(wrong, good), undefined, new Date())).version).toBe('1.4.0');
    const err = await refusal(
      acceptMeasurement(
        snp,
        pinned(wrong, { measurements: { simulated: 'cd'.repeat(48) } }),
        undefined,
        new Date(),
      ),
    );
    expect(err).toMatchObject({ code: 'CLIENT_MEASUREMENT_NOT_ACCEPTED', field: 'sev-snp' });
    expect(err.message).toContain('none of the 2 pinned releases');
  });

  it('allows listed chips only when asked to (relay protection)', async () => {
    const chip = snp.claims['chipId'] as string;
    expect(chip).toMatch(/^[0-9a-f]{128}$/);
    const policy = (allowedChipIds: string[]) => ({ ...pinned(snpRelease()), allowedChipIds });
    await expect(
      acceptMeasurement(snp, policy([chip.toUpperCase()]), undefined, new Date()),
    ).resolves.toBeDefined();
    const err = await refusal(acceptMeasurement(snp, policy(['00'.repeat(64)]), undefined, new Date()));
    expect(err).toMatchObject({ code: 'CLIENT_CHIP_NOT_ALLOWED', field: 'chipId', found: chip });
  });

  it('acceptMeasurementFromRelease applies the same rules to a release statement', () => {
    const statement = {
      predicate: { app: 'transcriber', version: '1.4.0', measurements: snpRelease().measurements },
    };
    expect(acceptMeasurementFromRelease(snp, statement).compared).toHaveLength(2);
    statement.predicate.measurements = snpRelease({ 'snp.hostData': '11'.repeat(32) }).measurements;
    expect(() => acceptMeasurementFromRelease(snp, statement)).toThrow(
      expect.objectContaining({ field: 'snp.hostData' }),
    );
  });
});

describe('TDX release values against the Sapphire Rapids vector', () => {
  const values = () => ({
    tdx: tdx.measurement,
    'tdx.mrConfigId': tdx.claims['mrConfigId'] as string,
    'tdx.rtmr0': tdx.claims['rtmr0'] as string,
    'tdx.rtmr1': tdx.claims['rtmr1'] as string,
    'tdx.rtmr2': tdx.claims['rtmr2'] as string,
  });

  it('accepts MRTD, MRCONFIGID, the RTMRs and an accepted TCB status, all compared', () => {
    const result = compareReleaseValues(tdx, values());
    expect(result.verdict).toBe('accepted');
    if (result.verdict === 'accepted') expect(result.compared.map((c) => c.key)[0]).toBe('tdx');
  });

  it('names the field that differs: an RTMR, the MRCONFIGID (the initdata), the TCB status', () => {
    expect(compareReleaseValues(tdx, { ...values(), 'tdx.rtmr2': '00'.repeat(48) })).toMatchObject({
      verdict: 'mismatch',
      failed: { key: 'tdx.rtmr2', field: 'RTMR2' },
    });
    expect(compareReleaseValues(tdx, { ...values(), 'tdx.mrConfigId': 'ab'.repeat(48) })).toMatchObject({
      verdict: 'mismatch',
      failed: { key: 'tdx.mrConfigId', found: '00'.repeat(48) },
    });
  });

  it('a pinned TCB status refuses a TCB that was not assessed, and accepts one of the listed statuses', () => {
    expect(tdx.claims['tcbStatus']).toBe('NotAssessed');
    expect(compareReleaseValues(tdx, { ...values(), 'tdx.tcbStatus': 'UpToDate' })).toMatchObject({
      verdict: 'mismatch',
      failed: { key: 'tdx.tcbStatus', found: 'NotAssessed' },
    });
    // The same report as if Intel's collateral had assessed it (the comparison only reads the claim).
    const assessed = { ...tdx, claims: { ...tdx.claims, tcbStatus: 'SWHardeningNeeded' } };
    const rule = { ...values(), 'tdx.tcbStatus': 'UpToDate,SWHardeningNeeded' };
    expect(compareReleaseValues(assessed, rule).verdict).toBe('accepted');
    expect(compareReleaseValues(assessed, { ...rule, 'tdx.tcbStatus': 'UpToDate' }).verdict).toBe('mismatch');
    expect(compareReleaseValues(assessed, { ...rule, 'tdx.tcbStatus': 'NotAssessed' }).verdict).toBe(
      'unusable',
    );
  });

  it('allows listed PPIDs only when asked to', async () => {
    const ppid = (tdx.claims['pck'] as { ppid: string }).ppid;
    const policy = (allowedChipIds: string[]) => ({
      kind: 'pinned' as const,
      releases: [{ measurements: values() }],
      allowedChipIds,
    });
    await expect(acceptMeasurement(tdx, policy([ppid]), undefined, new Date())).resolves.toBeDefined();
    await expect(
      acceptMeasurement(tdx, policy(['ab'.repeat(16)]), undefined, new Date()),
    ).rejects.toMatchObject({
      code: 'CLIENT_CHIP_NOT_ALLOWED',
    });
  });
});

describe('Nitro release values against the AWS vector', () => {
  const pcr = (i: number) => nitro.pcrs?.[i] as string;

  it('accepts PCR0 alone (the whole enclave image) and PCR8 alone (the EIF signing certificate)', () => {
    expect(compareReleaseValues(nitro, { nitro: pcr(0) }).verdict).toBe('accepted');
    expect(compareReleaseValues(nitro, { 'nitro.pcr8': pcr(8) }).verdict).toBe('accepted');
    expect(
      compareReleaseValues(nitro, { nitro: pcr(0), 'nitro.pcr1': pcr(1), 'nitro.pcr2': pcr(2) }).verdict,
    ).toBe('accepted');
  });

  it('refuses PCR1 and PCR2 without PCR0 or PCR8, and names a differing PCR', () => {
    expect(compareReleaseValues(nitro, { 'nitro.pcr1': pcr(1), 'nitro.pcr2': pcr(2) })).toMatchObject({
      verdict: 'unusable',
      reason: expect.stringContaining('nitro or nitro.pcr8'),
    });
    expect(compareReleaseValues(nitro, { nitro: pcr(0), 'nitro.pcr2': '00'.repeat(48) })).toMatchObject({
      verdict: 'mismatch',
      failed: { key: 'nitro.pcr2', field: 'PCR2' },
    });
  });

  it('refuses a chip allowlist: Nitro evidence names no chip', async () => {
    const policy = {
      kind: 'pinned' as const,
      releases: [{ measurements: { nitro: pcr(0) } }],
      allowedChipIds: ['00'],
    };
    await expect(acceptMeasurement(nitro, policy, undefined, new Date())).rejects.toMatchObject({
      code: 'CLIENT_CHIP_NOT_ALLOWED',
    });
  });
});
