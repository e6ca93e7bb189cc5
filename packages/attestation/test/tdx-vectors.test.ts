import { hexDecode, utf8Encode } from '@blindbox/bytes';
import { describe, expect, test } from 'vitest';
import { AttestationError } from '../src/attestation-error.js';
import { PINNED_ROOTS } from '../src/pinned-roots.js';
import { checkPckChain } from '../src/tdx/check-pck-chain.js';
import { checkQeIdentity } from '../src/tdx/check-qe-identity.js';
import { checkTcbInfo } from '../src/tdx/check-tcb-info.js';
import { canonicalPem } from '../src/tdx/decode-pck-chain.js';
import { parseTdxQuote } from '../src/tdx/parse-tdx-quote.js';
import { resolveTdxCollateral } from '../src/tdx/resolve-tdx-collateral.js';
import type { TdxVerifyOptions } from '../src/tdx/tdx-options.js';
import { verifyTdxQuote } from '../src/tdx/verify-tdx-quote.js';
import type { VerificationReport } from '../src/verification-report.js';
import { CheckList } from '../src/verifier/check-list.js';
import { verifyEvidence } from '../src/verify-evidence.js';
import { decodePemCertificates, parseCertificate } from '../src/x509/parse-certificate.js';
import { certificateFingerprint } from '../src/x509/verify-certificate-chain.js';
import {
  pckChainPem,
  TDX_AT,
  TDX_FIELDS,
  TDX_OFFSETS,
  TDX_QUOTE_LENGTH,
  tdxCollateral,
  tdxQuote,
  tdxQuoteFile,
  withPckChain,
} from './tdx-vectors.js';
import { vectorText } from './vectors.js';

const QUOTE_ONLY: TdxVerifyOptions = { at: TDX_AT, noCollateral: true };

async function rejection(quote: Uint8Array, options: TdxVerifyOptions): Promise<AttestationError> {
  try {
    await verifyTdxQuote(quote, options);
  } catch (err) {
    expect(err).toBeInstanceOf(AttestationError);
    const e = err as AttestationError;
    // Every rejection names the failing check last, after the ones that passed.
    expect(e.checks.at(-1)?.ok).toBe(false);
    expect(e.checks.slice(0, -1).every((c) => c.ok)).toBe(true);
    return e;
  }
  throw new Error('expected the quote to be rejected');
}

/** The AttestationError a promise rejects with (fails the test if it resolves). */
async function caught(promise: Promise<unknown>): Promise<AttestationError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AttestationError);
  return err as AttestationError;
}

function flip(bytes: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  const out = bytes.slice();
  out[offset]! ^= mask;
  return out;
}

describe('TDX vector tdx/spr (DCAP v4 quote, Sapphire Rapids)', () => {
  test('the Intel SGX root in the vectors and in the quote has the pinned SHA-256', () => {
    const [root] = decodePemCertificates(vectorText('tdx/intel_sgx_root.pem'));
    expect(certificateFingerprint(parseCertificate(root!))).toBe(PINNED_ROOTS.intelSgxRoot);
    const inQuote = decodePemCertificates(pckChainPem(tdxQuote())[2]!)[0]!;
    expect(inQuote).toEqual(root);
  });

  test('at its capture time the quote and PCK chain verify (noCollateral), and the report says the TCB was not assessed', async () => {
    const report: VerificationReport = await verifyTdxQuote(tdxQuote(), QUOTE_ONLY);
    expect(report.platform).toBe('tdx');
    expect(report.measurement).toBe(TDX_FIELDS.mrTd);
    expect(report.reportData).toBe(TDX_FIELDS.reportData);
    expect(report.debug).toBe(false);
    expect(report.checks.every((c) => c.ok)).toBe(true);
    const names = report.checks.map((c) => c.name);
    for (const name of [
      'tdx.chain.root.pinned',
      'tdx.chain.pck.signature',
      'tdx.qe.signature',
      'tdx.qe.attestationKey',
      'tdx.signature',
      'tdx.attributes.debug',
    ]) {
      expect(names).toContain(name);
    }
    expect(report.checks.find((c) => c.name === 'tdx.collateral')?.found).toMatch(/^not assessed/);
    expect(report.claims).toMatchObject({
      tcbStatus: 'NotAssessed',
      qeTcbStatus: 'NotAssessed',
      rtmr0: TDX_FIELDS.rtmr0,
      rtmr1: TDX_FIELDS.rtmr1,
      rtmr2: TDX_FIELDS.rtmr2,
      rtmr3: TDX_FIELDS.rtmr3,
      mrConfigId: TDX_FIELDS.mrConfigId,
      teeTcbSvn: TDX_FIELDS.teeTcbSvn,
      tdAttributes: TDX_FIELDS.tdAttributes,
      qe: { mrSigner: TDX_FIELDS.qeMrSigner, isvProdId: 2, isvSvn: 4 },
      pck: { fmspc: '50806f000000', pceId: '0000', pceSvn: 11, ca: 'Intel SGX PCK Platform CA' },
    });
  });

  test('the file as published carries 39 bytes after the quote: refused by default, ignored (and reported) with allowTrailingBytes', async () => {
    const file = tdxQuoteFile();
    expect(file.length - TDX_QUOTE_LENGTH).toBe(39);
    expect(new TextDecoder().decode(file.subarray(TDX_QUOTE_LENGTH))).toBe(
      '\nextra bytes(only for testing purpose)\n',
    );
    const e = await rejection(file, QUOTE_ONLY);
    expect(e.code).toBe('ATTESTATION_MALFORMED_EVIDENCE');
    expect(e.message).toMatch(/39 bytes follow the end of the quote/);
    const report = await verifyTdxQuote(file, { ...QUOTE_ONLY, allowTrailingBytes: true });
    expect(report.checks.find((c) => c.name === 'tdx.quote.trailingBytes')?.found).toMatch(
      /^39 bytes ignored/,
    );
  });

  test('without collateral and without noCollateral it rejects, naming what is missing', async () => {
    const none = await rejection(tdxQuote(), { at: TDX_AT });
    expect(none.code).toBe('ATTESTATION_MISSING_COLLATERAL');
    expect(none.checks.at(-1)?.name).toBe('tdx.collateral');
    const { qeIdentity: _q, rootCrl: _r, ...partial } = tdxCollateral();
    const some = await rejection(tdxQuote(), { at: TDX_AT, collateral: partial });
    expect(some.code).toBe('ATTESTATION_MISSING_COLLATERAL');
    expect(some.message).toMatch(/missing qeIdentity, rootCrl/);
  });

  test("with Intel's collateral at capture time every signature, CRL and date verifies, and the TCB level is refused: no level of this TCB info covers the platform (as go-tdx-guest's own test asserts)", async () => {
    const e = await rejection(tdxQuote(), { at: TDX_AT, collateral: tdxCollateral() });
    expect(e.code).toBe('ATTESTATION_TCB');
    expect(e.checks.at(-1)?.name).toBe('tdx.tcb.level');
    const passed = e.checks.filter((c) => c.ok).map((c) => c.name);
    for (const name of [
      'tdx.crl.root.signature',
      'tdx.crl.root.validity',
      'tdx.crl.root.ca',
      'tdx.crl.pck.signature',
      'tdx.crl.pck.validity',
      'tdx.crl.pck.pck',
      'tdx.signature',
      'tdx.tcbInfo.chain.root.pinned',
      'tdx.tcbInfo.chain.tcbSigning.signature',
      'tdx.tcbInfo.signature',
      'tdx.tcbInfo.validity',
      'tdx.tcbInfo.platform',
    ]) {
      expect(passed).toContain(name);
    }
    // The PCK's SGX TCB (3.3.2.2.2.1.0.2) and TEE_TCB_SVN[2] = 4 are below both levels (5.5.2.2.3.1.0.3, TDX 3.0.5).
    expect(e.checks.at(-1)?.found).toBe(
      'sgx 3.3.2.2.2.1.0.2.0.0.0.0.0.0.0.0 pcesvn 11 teeTcbSvn 03000400000000000000000000000000',
    );
  });

  test("the QE identity step on the real quote and collateral: Intel's TDX QE at ISVSVN 4, UpToDate", async () => {
    const checks = new CheckList();
    const collateral = resolveTdxCollateral({ collateral: tdxCollateral() }, checks)!;
    const status = await checkQeIdentity(parseTdxQuote(tdxQuote()), collateral, { at: TDX_AT }, checks);
    expect(status).toBe('UpToDate');
    expect(checks.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'tdx.qeIdentity.signature',
        'tdx.qeIdentity.validity',
        'tdx.qeIdentity.mrSigner',
        'tdx.qeIdentity.isvProdId',
        'tdx.qeIdentity.miscSelect',
        'tdx.qeIdentity.attributes',
        'tdx.qe.tcb.status',
      ]),
    );
  });

  test('expired: the PCK certificate after 2029-09-20, the whole chain in 2053', async () => {
    const pck = await rejection(tdxQuote(), { ...QUOTE_ONLY, at: new Date('2030-01-01T00:00:00Z') });
    expect(pck.code).toBe('ATTESTATION_CERT_EXPIRED');
    expect(pck.checks.at(-1)?.name).toBe('tdx.chain.pck.validity');
    const late = await rejection(tdxQuote(), { ...QUOTE_ONLY, at: new Date('2053-07-01T01:00:00Z') });
    expect(late.code).toBe('ATTESTATION_CERT_EXPIRED');
  });

  test('expired collateral: the PCK CRL after 2023-07-08, the QE identity after 2023-07-08, the TCB info after 2023-07-18', async () => {
    const aug = new Date('2023-08-01T00:00:00Z');
    const e = await rejection(tdxQuote(), { at: aug, collateral: tdxCollateral() });
    expect(e.code).toBe('ATTESTATION_COLLATERAL_EXPIRED');
    expect(e.checks.at(-1)?.name).toBe('tdx.crl.pck.validity');

    const quote = parseTdxQuote(tdxQuote());
    const stepChecks = new CheckList();
    const collateral = resolveTdxCollateral({ collateral: tdxCollateral() }, stepChecks)!;
    const chain = await checkPckChain(quote, aug, stepChecks);
    const tcb = await caught(checkTcbInfo(quote, chain, collateral, { at: aug }, stepChecks));
    expect(tcb).toBeInstanceOf(AttestationError);
    expect((tcb as AttestationError).code).toBe('ATTESTATION_COLLATERAL_EXPIRED');
    expect((tcb as AttestationError).checks.at(-1)?.name).toBe('tdx.tcbInfo.validity');

    const july10 = new Date('2023-07-10T00:00:00Z');
    const qe = await caught(checkQeIdentity(quote, collateral, { at: july10 }, new CheckList()));
    expect((qe as AttestationError).code).toBe('ATTESTATION_COLLATERAL_EXPIRED');
    expect((qe as AttestationError).checks.at(-1)?.name).toBe('tdx.qeIdentity.validity');
  });

  test.each([
    ['TD report body (MRTD)', TDX_OFFSETS.mrTd, 'tdx.signature', 'ATTESTATION_BAD_SIGNATURE'],
    [
      'TD report body (REPORTDATA)',
      TDX_OFFSETS.reportData + 63,
      'tdx.signature',
      'ATTESTATION_BAD_SIGNATURE',
    ],
    ['header user data', 40, 'tdx.signature', 'ATTESTATION_BAD_SIGNATURE'],
    ['quote signature', TDX_OFFSETS.signature + 5, 'tdx.signature', 'ATTESTATION_BAD_SIGNATURE'],
    ['QE report', TDX_OFFSETS.qeReport + 64, 'tdx.qe.signature', 'ATTESTATION_BAD_SIGNATURE'],
    [
      'QE report signature',
      TDX_OFFSETS.qeReportSignature + 40,
      'tdx.qe.signature',
      'ATTESTATION_BAD_SIGNATURE',
    ],
    ['QE authentication data', TDX_OFFSETS.qeAuthData + 3, 'tdx.qe.attestationKey', 'ATTESTATION_CERT_CHAIN'],
  ])('one flipped bit in the %s is rejected', async (_what, offset, check, code) => {
    const e = await rejection(flip(tdxQuote(), offset), QUOTE_ONLY);
    expect(e.code).toBe(code);
    expect(e.checks.at(-1)?.name).toBe(check);
  });

  test('a flipped bit in the attestation key is rejected (not vouched for by the QE, or not a curve point)', async () => {
    const e = await rejection(flip(tdxQuote(), TDX_OFFSETS.attestationKey + 10), QUOTE_ONLY);
    expect(['ATTESTATION_CERT_CHAIN', 'ATTESTATION_MALFORMED_EVIDENCE']).toContain(e.code);
  });

  test('a flipped bit in each certificate of the PCK chain is rejected', async () => {
    const quote = tdxQuote();
    const pems = pckChainPem(quote);
    let start = TDX_OFFSETS.pckChain;
    const codes: string[] = [];
    for (const pem of pems) {
      // Inside the base64 of the certificate's signature (the last line before END): the DER still parses.
      const at = start + pem.length - '-----END CERTIFICATE-----\n'.length - 10;
      const e = await rejection(flip(quote, at, 0x01), QUOTE_ONLY);
      codes.push(e.code);
      start += pem.length;
    }
    // PCK and CA: a bad signature in the chain; root: its fingerprint is no longer the pinned one.
    expect(codes).toEqual(['ATTESTATION_CERT_CHAIN', 'ATTESTATION_CERT_CHAIN', 'ATTESTATION_UNTRUSTED_ROOT']);
  });

  test('a chain that ends at another root is rejected with ATTESTATION_UNTRUSTED_ROOT', async () => {
    const quote = tdxQuote();
    const [pck, ca] = pckChainPem(quote);
    const nitroRoot = decodePemCertificates(vectorText('nitro/aws_nitro_root.pem'))[0]!;
    const forged = withPckChain(quote, utf8Encode(`${pck}${ca}${canonicalPem(nitroRoot)}`));
    const e = await rejection(forged, QUOTE_ONLY);
    expect(e.code).toBe('ATTESTATION_UNTRUSTED_ROOT');
    expect(e.checks.at(-1)?.name).toBe('tdx.chain.root.pinned');
    // The rebuilding helper itself keeps a valid quote valid.
    await expect(
      verifyTdxQuote(withPckChain(quote, utf8Encode(pckChainPem(quote).join(''))), QUOTE_ONLY),
    ).resolves.toBeTruthy();
  });

  test('a PCK chain not in canonical PEM form (CRLF line ends) is rejected', async () => {
    const quote = tdxQuote();
    const crlf = utf8Encode(pckChainPem(quote).join('').replaceAll('\n', '\r\n'));
    const e = await rejection(withPckChain(quote, crlf), QUOTE_ONLY);
    expect(e.code).toBe('ATTESTATION_MALFORMED_EVIDENCE');
  });

  test('a TCB info or QE identity issuer chain ending at another root is rejected', async () => {
    const nitroRoot = canonicalPem(decodePemCertificates(vectorText('nitro/aws_nitro_root.pem'))[0]!);
    const signing = vectorText('tdx/spr/tcbinfo_issuer_chain.pem').split(
      /(?<=-----END CERTIFICATE-----\n)/,
    )[0]!;
    const collateral = { ...tdxCollateral(), tcbInfoIssuerChain: `${signing}${nitroRoot}` };
    const e = await rejection(tdxQuote(), { at: TDX_AT, collateral });
    expect(e.code).toBe('ATTESTATION_UNTRUSTED_ROOT');
    expect(e.checks.at(-1)?.name).toBe('tdx.tcbInfo.chain.root.pinned');
  });

  test('altered collateral is rejected: TCB info text, QE identity text, a CRL signature', async () => {
    const c = tdxCollateral();
    const tcb = await rejection(tdxQuote(), {
      at: TDX_AT,
      collateral: {
        ...c,
        tcbInfo: c.tcbInfo!.replace('"tcbEvaluationDataNumber":15', '"tcbEvaluationDataNumber":16'),
      },
    });
    expect([tcb.code, tcb.checks.at(-1)?.name]).toEqual([
      'ATTESTATION_BAD_SIGNATURE',
      'tdx.tcbInfo.signature',
    ]);

    const checks = new CheckList();
    const altered = { ...c, qeIdentity: c.qeIdentity!.replace('"isvprodid":2', '"isvprodid":3') };
    const collateral = resolveTdxCollateral({ collateral: altered }, checks)!;
    const qe = await caught(checkQeIdentity(parseTdxQuote(tdxQuote()), collateral, { at: TDX_AT }, checks));
    expect([qe.code, qe.checks.at(-1)?.name]).toEqual([
      'ATTESTATION_BAD_SIGNATURE',
      'tdx.qeIdentity.signature',
    ]);

    const crl = (c.pckCrl as Uint8Array).slice();
    crl[crl.length - 5]! ^= 0x01;
    const e = await rejection(tdxQuote(), { at: TDX_AT, collateral: { ...c, pckCrl: crl } });
    expect([e.code, e.checks.at(-1)?.name]).toEqual(['ATTESTATION_BAD_SIGNATURE', 'tdx.crl.pck.signature']);
  });

  test('a PCK CRL issuer chain that names another CA is rejected', async () => {
    const c = tdxCollateral();
    const e = await rejection(tdxQuote(), {
      at: TDX_AT,
      collateral: { ...c, pckCrlIssuerChain: c.tcbInfoIssuerChain! },
    });
    expect([e.code, e.checks.at(-1)?.name]).toEqual([
      'ATTESTATION_COLLATERAL_MISMATCH',
      'tdx.crl.pck.issuerChain',
    ]);
  });

  test('expected values: MRTD, RTMRs, MRCONFIGID, PPID and the binding are checked when given', async () => {
    const accepted = await verifyTdxQuote(tdxQuote(), {
      ...QUOTE_ONLY,
      mrtd: [TDX_FIELDS.mrTd.toUpperCase()],
      rtmrs: { 0: TDX_FIELDS.rtmr0, 1: TDX_FIELDS.rtmr1, 2: TDX_FIELDS.rtmr2, 3: TDX_FIELDS.rtmr3 },
      mrConfigId: [TDX_FIELDS.mrConfigId],
      expectedReportData: hexDecode(TDX_FIELDS.reportData),
    });
    const names = accepted.checks.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining(['tdx.mrtd', 'tdx.rtmr0', 'tdx.rtmr3', 'tdx.mrConfigId', 'binding.reportData']),
    );
    const other = 'ab'.repeat(48);
    const cases: [TdxVerifyOptions, string, string][] = [
      [{ mrtd: [other] }, 'ATTESTATION_MEASUREMENT_MISMATCH', 'tdx.mrtd'],
      [{ rtmrs: { 2: other } }, 'ATTESTATION_RTMR_MISMATCH', 'tdx.rtmr2'],
      [{ mrConfigId: [other] }, 'ATTESTATION_MRCONFIGID_MISMATCH', 'tdx.mrConfigId'],
      [{ allowedPpids: ['00'.repeat(16)] }, 'ATTESTATION_POLICY', 'tdx.ppid'],
      [{ expectedReportData: new Uint8Array(64) }, 'ATTESTATION_BINDING_MISMATCH', 'binding.reportData'],
    ];
    for (const [policy, code, name] of cases) {
      const e = await rejection(tdxQuote(), { ...QUOTE_ONLY, ...policy });
      expect([e.code, e.checks.at(-1)?.name]).toEqual([code, name]);
    }
    // A policy value that is not 48 bytes of hex is a policy error, never "accept anything".
    const typo = await caught(verifyTdxQuote(tdxQuote(), { ...QUOTE_ONLY, mrtd: ['6363b8'] }));
    expect((typo as AttestationError).code).toBe('ATTESTATION_POLICY');
  });

  test('verifyEvidence dispatches platform tdx with envelope collateral and the shared policy', async () => {
    const evidence = tdxQuote();
    const report = await verifyEvidence(
      { platform: 'tdx', evidence },
      { at: TDX_AT, tdx: { noCollateral: true }, expectedReportData: hexDecode(TDX_FIELDS.reportData) },
    );
    expect(report.platform).toBe('tdx');
    const c = tdxCollateral();
    const envelope = {
      ...c,
      pckCrl: Buffer.from(c.pckCrl as Uint8Array).toString('base64'),
      rootCrl: Buffer.from(c.rootCrl as Uint8Array).toString('base64'),
    };
    const e = await caught(
      verifyEvidence({ platform: 'tdx', evidence, collateral: envelope }, { at: TDX_AT }),
    );
    expect([e.code, e.checks.at(-1)?.name]).toEqual(['ATTESTATION_TCB', 'tdx.tcb.level']);
    const missing = await caught(verifyEvidence({ platform: 'tdx', evidence }, { at: TDX_AT }));
    expect(missing.code).toBe('ATTESTATION_MISSING_COLLATERAL');
    const bad = await caught(
      verifyEvidence({ platform: 'tdx', evidence, collateral: { tcbInfo: 5 } }, { at: TDX_AT }),
    );
    expect(bad.code).toBe('ATTESTATION_MALFORMED_EVIDENCE');
  });
});
