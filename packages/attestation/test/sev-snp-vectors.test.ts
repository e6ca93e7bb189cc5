import { base64DecodeLenient as base64ToBytes, hexEncode as toHex } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, test } from 'vitest';
import { AttestationError, type AttestationErrorCode } from '../src/attestation-error.js';
import { PINNED_ROOTS } from '../src/pinned-roots.js';
import { parseSnpReport } from '../src/sev-snp/parse-snp-report.js';
import type { ThimCollateral } from '../src/sev-snp/parse-thim-collateral.js';
import { parseVcekExtensions } from '../src/sev-snp/parse-vcek-extensions.js';
import {
  type SnpVerifyOptions,
  verifySnpEvidence,
  verifyVcekChain,
} from '../src/sev-snp/verify-snp-report.js';
import { CheckList } from '../src/verifier/check-list.js';
import { decodePemCertificates, parseCertificate } from '../src/x509/parse-certificate.js';
import { certificateFingerprint } from '../src/x509/verify-certificate-chain.js';
import { expected, hex, vector, vectorText } from './vectors.js';

const milan = expected['sev-snp/milan-valid']!;
const debugCase = expected['sev-snp/milan-debug']!;
const aci = expected['sev-snp/aci']!;
const turin = expected['sev-snp/turin-chain']!;

const milanReport = () => hex(vectorText(milan.files['report']!));
const milanOptions = (over: Partial<SnpVerifyOptions> = {}): SnpVerifyOptions => ({
  at: new Date(milan.at),
  collateral: { vcek: vector(milan.files['vcek']!), certChain: vectorText(milan.files['chain']!) },
  ...over,
});

async function rejection(p: Promise<unknown>): Promise<AttestationError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AttestationError);
    return err as AttestationError;
  }
  throw new Error('expected a rejection');
}

async function expectCode(p: Promise<unknown>, code: AttestationErrorCode): Promise<AttestationError> {
  const err = await rejection(p);
  expect(err.code, err.message).toBe(code);
  expect(err.checks.at(-1)?.ok).toBe(false);
  return err;
}

describe('pinned roots', () => {
  test('ARK fingerprints equal expected.json and the bundled chains', () => {
    expect(PINNED_ROOTS.amdArk.Milan).toBe(expected.amdArkSha256['milan']);
    expect(PINNED_ROOTS.amdArk.Genoa).toBe(expected.amdArkSha256['genoa']);
    expect(PINNED_ROOTS.amdArk.Turin).toBe(expected.amdArkSha256['turin']);
    for (const [file, product] of [
      ['ask_ark_milan.pem', 'Milan'],
      ['ask_ark_milan_vlek.pem', 'Milan'],
      ['ask_ark_genoa.pem', 'Genoa'],
      ['ask_ark_genoa_vlek.pem', 'Genoa'],
      ['ask_ark_turin_vcek.pem', 'Turin'],
      ['ask_ark_turin_vlek.pem', 'Turin'],
    ] as const) {
      const [, ark] = decodePemCertificates(vectorText(`sev-snp/roots/${file}`));
      expect(toHex(sha256(ark!))).toBe(PINNED_ROOTS.amdArk[product]);
    }
  });
});

describe('sev-snp/milan-valid', () => {
  test(`accept at ${milan.at} with the listed fields`, async () => {
    const report = await verifySnpEvidence(milanReport(), milanOptions());
    const f = milan.fields!;
    expect(report.platform).toBe('sev-snp');
    expect(report.measurement).toBe(f['measurement']);
    expect(report.reportData).toBe(f['reportData']);
    expect(report.hostData).toBe(f['hostData']);
    expect(report.debug).toBe(f['debug']);
    expect(report.claims['version']).toBe(f['version']);
    expect(report.claims['policy']).toBe(f['policy']);
    expect(report.claims['vmpl']).toBe(f['vmpl']);
    expect(report.claims['signingKey']).toBe(f['signingKey']);
    expect(report.claims['reportedTcb']).toBe(f['reportedTcb']);
    expect(report.claims['product']).toBe('Milan');
    expect(report.verifiedAt).toBe('2024-01-01T00:00:00.000Z');
    expect(report.checks.every((c) => c.ok)).toBe(true);
    for (const name of [
      'snp.chain.ark.pinned',
      'snp.chain.vcek.validity',
      'snp.signature',
      'snp.vcek.tcb',
      'snp.vcek.hwid',
      'snp.policy.debug',
    ]) {
      expect(report.checks.map((c) => c.name)).toContain(name);
    }
  });

  test('accept with the chain in either order', async () => {
    const [ask, ark] = vectorText(milan.files['chain']!).split(/(?=-----BEGIN CERTIFICATE-----)/);
    const report = await verifySnpEvidence(
      milanReport(),
      milanOptions({ collateral: { vcek: vector(milan.files['vcek']!), certChain: `${ark}${ask}` } }),
    );
    expect(report.claims['product']).toBe('Milan');
  });

  test('accept with the bundled chain only (offline, no certChain)', async () => {
    const report = await verifySnpEvidence(
      milanReport(),
      milanOptions({ collateral: { vcek: vector(milan.files['vcek']!) } }),
    );
    expect(report.measurement).toBe(milan.fields!['measurement']);
  });

  test('reject at 2031-01-01: VCEK expired', async () => {
    const err = await expectCode(
      verifySnpEvidence(milanReport(), milanOptions({ at: new Date('2031-01-01T00:00:00Z') })),
      'ATTESTATION_CERT_EXPIRED',
    );
    expect(err.checks.at(-1)?.name).toBe('snp.chain.vcek.validity');
  });

  test('reject before the VCEK was issued', async () => {
    await expectCode(
      verifySnpEvidence(milanReport(), milanOptions({ at: new Date('2020-01-01T00:00:00Z') })),
      'ATTESTATION_CERT_EXPIRED',
    );
  });

  test('reject one flipped bit (byte 21 xor 0x80): report signature', async () => {
    const bytes = milanReport();
    bytes[21]! ^= 0x80;
    const err = await expectCode(verifySnpEvidence(bytes, milanOptions()), 'ATTESTATION_BAD_SIGNATURE');
    expect(err.checks.at(-1)?.name).toBe('snp.signature');
  });

  for (const forged of [
    'sev-snp/forged-vcek/vcek-invalid-new.der',
    'sev-snp/forged-vcek/vcek-invalid-legacy.der',
  ]) {
    test(`reject ${forged}: VCEK not issued by the ASK`, async () => {
      const err = await expectCode(
        verifySnpEvidence(
          milanReport(),
          milanOptions({
            collateral: { vcek: vector(forged), certChain: vectorText(milan.files['chain']!) },
          }),
        ),
        'ATTESTATION_CERT_CHAIN',
      );
      expect(err.checks.at(-1)?.name).toBe('snp.chain.vcek.signature');
    });
  }

  test('reject a binding mismatch, accept the right binding', async () => {
    const right = hex(milan.fields!['reportData'] as string);
    await verifySnpEvidence(milanReport(), milanOptions({ expectedReportData: right }));
    const wrong = right.slice();
    wrong[63]! ^= 1;
    await expectCode(
      verifySnpEvidence(milanReport(), milanOptions({ expectedReportData: wrong })),
      'ATTESTATION_BINDING_MISMATCH',
    );
  });

  test('measurement and host_data policies', async () => {
    const m = milan.fields!['measurement'] as string;
    await verifySnpEvidence(
      milanReport(),
      milanOptions({ measurements: ['00'.repeat(48), m.toUpperCase()] }),
    );
    await expectCode(
      verifySnpEvidence(milanReport(), milanOptions({ measurements: ['00'.repeat(48)] })),
      'ATTESTATION_MEASUREMENT_MISMATCH',
    );
    await expectCode(
      verifySnpEvidence(milanReport(), milanOptions({ hostData: ['11'.repeat(32)] })),
      'ATTESTATION_HOST_DATA_MISMATCH',
    );
    await expectCode(
      verifySnpEvidence(milanReport(), milanOptions({ measurements: ['zz'] })),
      'ATTESTATION_POLICY',
    );
  });

  test('TCB, VMPL, SMT, chip, product, signing key and guest SVN policies', async () => {
    const report = milanReport();
    await verifySnpEvidence(report, milanOptions({ minimumTcb: { bootloader: 3, snp: 8, microcode: 115 } }));
    await expectCode(
      verifySnpEvidence(report, milanOptions({ minimumTcb: { microcode: 116 } })),
      'ATTESTATION_TCB',
    );
    await verifySnpEvidence(report, milanOptions({ vmpl: 0 }));
    await expectCode(verifySnpEvidence(report, milanOptions({ vmpl: 1 })), 'ATTESTATION_POLICY');
    await expectCode(verifySnpEvidence(report, milanOptions({ allowSmt: false })), 'ATTESTATION_POLICY');
    const chip = toHex(parseSnpReport(report).chipId);
    await verifySnpEvidence(report, milanOptions({ allowedChipIds: [chip] }));
    await expectCode(
      verifySnpEvidence(report, milanOptions({ allowedChipIds: ['00'.repeat(64)] })),
      'ATTESTATION_POLICY',
    );
    await expectCode(verifySnpEvidence(report, milanOptions({ products: ['Genoa'] })), 'ATTESTATION_POLICY');
    await expectCode(
      verifySnpEvidence(report, milanOptions({ signingKeys: ['vlek'] })),
      'ATTESTATION_POLICY',
    );
    await expectCode(verifySnpEvidence(report, milanOptions({ minimumGuestSvn: 1 })), 'ATTESTATION_POLICY');
  });

  test('a VCEK with no collateral and no KDS fetch: missing collateral (never a silent network call)', async () => {
    await expectCode(
      verifySnpEvidence(milanReport(), milanOptions({ collateral: {} })),
      'ATTESTATION_MISSING_COLLATERAL',
    );
  });

  test('the VCEK of another chip is refused (chain valid, signature fails)', async () => {
    await expectCode(
      verifySnpEvidence(
        milanReport(),
        milanOptions({ collateral: { vcek: vector('sev-snp/milan-debug/vcek.der') } }),
      ),
      'ATTESTATION_BAD_SIGNATURE',
    );
  });

  test('a substituted ARK is an untrusted root', async () => {
    const genoa = vectorText('sev-snp/roots/ask_ark_genoa.pem');
    const err = await expectCode(
      verifySnpEvidence(
        milanReport(),
        milanOptions({ collateral: { vcek: vector(milan.files['vcek']!), certChain: genoa } }),
      ),
      'ATTESTATION_UNTRUSTED_ROOT',
    );
    expect(err.checks.at(-1)?.name).toBe('snp.chain.ark.pinned');
  });

  test('KDS: fetched through the injected fetch with a cache, then verified like any VCEK', async () => {
    const { MemoryCollateralCache, vcekUrl } = await import('../src/sev-snp/fetch-vcek.js');
    const urls: string[] = [];
    const fetch = async (url: string) => {
      urls.push(url);
      const der = vector(milan.files['vcek']!);
      return { ok: true, status: 200, arrayBuffer: async () => der.slice().buffer };
    };
    const cache = new MemoryCollateralCache();
    const opts = milanOptions({ collateral: {}, products: ['Milan'], kds: { fetch, cache } });
    await verifySnpEvidence(milanReport(), opts);
    await verifySnpEvidence(milanReport(), opts);
    expect(urls).toHaveLength(1);
    const chipId = parseSnpReport(milanReport()).chipId;
    expect(urls[0]).toBe(vcekUrl('Milan', chipId, { bootloader: 3, tee: 0, snp: 8, microcode: 115 }));
    expect(urls[0]).toMatch(
      /^https:\/\/kdsintf\.amd\.com\/vcek\/v1\/Milan\/[0-9a-f]{128}\?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115$/,
    );
    const failing = async () => ({ ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) });
    await expectCode(
      verifySnpEvidence(
        milanReport(),
        milanOptions({ collateral: {}, products: ['Milan'], kds: { fetch: failing } }),
      ),
      'ATTESTATION_MISSING_COLLATERAL',
    );
  });
});

describe('VCEK extension encodings (docs/design.md §8)', () => {
  test('ucodeSPL ≥ 128 is a two-octet INTEGER; hwID raw or wrapped in an OCTET STRING', () => {
    const legacy = parseVcekExtensions(
      parseCertificate(vector('sev-snp/forged-vcek/vcek-invalid-legacy.der')),
      false,
    );
    expect(legacy.tcb).toEqual({ bootloader: 3, tee: 0, snp: 10, microcode: 169 });
    expect(legacy.hwid).toHaveLength(64);
    const wrapped = parseCertificate(vector('sev-snp/forged-vcek/vcek-invalid-new.der'));
    expect(wrapped.extensions.get('1.3.6.1.4.1.3704.1.4')?.value).toHaveLength(66);
    expect(parseVcekExtensions(wrapped, false).hwid).toHaveLength(64);
    expect(parseVcekExtensions(parseCertificate(vector(milan.files['vcek']!)), false).productName).toBe(
      'Milan-B0',
    );
  });
});

describe('sev-snp/milan-debug', () => {
  const report = () => vector(debugCase.files['report']!);
  const opts = (allowDebug?: boolean): SnpVerifyOptions => ({
    at: new Date(debugCase.at),
    collateral: { vcek: vector(debugCase.files['vcek']!), certChain: vectorText(debugCase.files['chain']!) },
    ...(allowDebug === undefined ? {} : { allowDebug }),
  });

  test('reject under the default policy: DEBUG bit set', async () => {
    const err = await expectCode(verifySnpEvidence(report(), opts()), 'ATTESTATION_DEBUG');
    // signature and chain were checked, and passed, before the policy
    expect(err.checks.find((c) => c.name === 'snp.signature')?.ok).toBe(true);
    expect(err.checks.find((c) => c.name === 'snp.chain.vcek.signature')?.ok).toBe(true);
  });

  test('accept only when debug is explicitly allowed', async () => {
    const r = await verifySnpEvidence(report(), opts(true));
    expect(r.debug).toBe(true);
    expect(r.claims['policy']).toBe(debugCase.fields!['policy']);
    expect(r.claims['version']).toBe(debugCase.fields!['version']);
    expect(r.reportData).toBe(debugCase.fields!['reportData']);
    await expectCode(verifySnpEvidence(report(), opts(false)), 'ATTESTATION_DEBUG');
  });
});

describe('sev-snp/aci', () => {
  const policyHostData = () => toHex(sha256(base64ToBytes(vectorText(aci.files['securityPolicy']!))));
  const opts = (over: Partial<SnpVerifyOptions> = {}): SnpVerifyOptions => ({
    at: new Date(aci.at),
    collateral: { thim: vectorText(aci.files['hostAmdCertificate']!) },
    ...over,
  });

  test('accept with THIM collateral; host_data = SHA-256 of the decoded security policy', async () => {
    expect(policyHostData()).toBe(aci.fields!['hostData']);
    const r = await verifySnpEvidence(vector(aci.files['report']!), opts({ hostData: [policyHostData()] }));
    const f = aci.fields!;
    expect(r.measurement).toBe(f['measurement']);
    expect(r.hostData).toBe(f['hostData']);
    expect(r.reportData).toBe(f['reportData']);
    expect(r.debug).toBe(false);
    expect(r.claims['policy']).toBe(f['policy']);
    expect(r.claims['guestSvn']).toBe(f['guestSvn']);
    expect(r.claims['reportedTcb']).toBe(f['reportedTcb']);
    expect(r.claims['reportedTcbm']).toBe('7308000000000003');
    expect(r.checks.find((c) => c.name === 'snp.thim.tcbm')?.ok).toBe(true);
  });

  test('a THIM tcbm that disagrees with the report is refused', async () => {
    const thim = JSON.parse(vectorText(aci.files['hostAmdCertificate']!)) as ThimCollateral;
    thim['tcbm'] = '7408000000000003';
    await expectCode(
      verifySnpEvidence(vector(aci.files['report']!), opts({ collateral: { thim } })),
      'ATTESTATION_TCB',
    );
  });

  test('a different security policy is refused', async () => {
    await expectCode(
      verifySnpEvidence(vector(aci.files['report']!), opts({ hostData: ['00'.repeat(32)] })),
      'ATTESTATION_HOST_DATA_MISMATCH',
    );
  });
});

describe('sev-snp/turin-chain', () => {
  test(`chain valid at ${turin.at}; 8-byte hwID and fmcSPL`, async () => {
    const leaf = parseCertificate(vector(turin.files['vcek']!));
    const chain = decodePemCertificates(vectorText(turin.files['chain']!));
    const checks = new CheckList();
    const product = await verifyVcekChain(leaf, {
      at: new Date(turin.at),
      checks,
      signingKey: 'vcek',
      chain,
    });
    expect(product).toBe('Turin');
    expect(certificateFingerprint(parseCertificate(chain[1]!))).toBe(PINNED_ROOTS.amdArk.Turin);
    const ext = parseVcekExtensions(leaf, true);
    expect(ext.hwid).toHaveLength(8);
    expect(ext.tcb.fmc).toBeTypeOf('number');
    expect(ext.productName).toMatch(/^Turin/);
    // and with the bundled chain
    await verifyVcekChain(leaf, { at: new Date(turin.at), checks: new CheckList(), signingKey: 'vcek' });
    // expired later, as every certificate is checked at the verification time
    await expectCode(
      verifyVcekChain(leaf, {
        at: new Date('2032-01-01T00:00:00Z'),
        checks: new CheckList(),
        signingKey: 'vcek',
        chain,
      }),
      'ATTESTATION_CERT_EXPIRED',
    );
    // a Turin VCEK presented as a VLEK is refused
    await expectCode(
      verifyVcekChain(leaf, { at: new Date(turin.at), checks: new CheckList(), signingKey: 'vlek' }),
      'ATTESTATION_CERT_CHAIN',
    );
  });
});
