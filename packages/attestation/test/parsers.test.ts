import {
  base64DecodeLenient as base64ToBytes,
  base64Encode as bytesToBase64,
  hexEncode as toHex,
} from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, test } from 'vitest';
import { AttestationError } from '../src/attestation-error.js';
import { decodeCbor, encodeHead } from '../src/cbor/decode-cbor.js';
import { readDer } from '../src/der/read-der.js';
import { PINNED_ROOTS } from '../src/pinned-roots.js';
import {
  ARK_GENOA,
  ARK_MILAN,
  ARK_TURIN,
  ASK_GENOA,
  ASK_MILAN,
  ASK_TURIN,
  ASVK_GENOA,
  ASVK_MILAN,
  ASVK_TURIN,
} from '../src/sev-snp/amd-cert-chains.js';
import { HCL_MAGIC, hclReportData, parseHclReport } from '../src/sev-snp/parse-hcl-report.js';
import { parseSnpReport, SNP_REPORT_LENGTH } from '../src/sev-snp/parse-snp-report.js';
import { parseThimCollateral } from '../src/sev-snp/parse-thim-collateral.js';
import { decodeTcb, productFromCpuid, tcbHex } from '../src/sev-snp/snp-product.js';
import { verifySnpEvidence } from '../src/sev-snp/verify-snp-report.js';
import { encodeSimulatedReportBody } from '../src/simulated/simulated-report.js';
import { CheckList } from '../src/verifier/check-list.js';
import { verifyEvidence } from '../src/verify-evidence.js';
import { decodePemCertificates, parseCertificate } from '../src/x509/parse-certificate.js';
import { verifyCertificateChain } from '../src/x509/verify-certificate-chain.js';
import { expected, hex, vector, vectorText } from './vectors.js';

const milan = expected['sev-snp/milan-valid']!;
const milanReport = () => hex(vectorText(milan.files['report']!));

describe('bundled AMD chains', () => {
  const bundled = {
    Milan: [ARK_MILAN, ASK_MILAN, ASVK_MILAN],
    Genoa: [ARK_GENOA, ASK_GENOA, ASVK_GENOA],
    Turin: [ARK_TURIN, ASK_TURIN, ASVK_TURIN],
  } as const;
  for (const [name, [arkB64, ...issuers]] of Object.entries(bundled) as [
    keyof typeof bundled,
    readonly string[],
  ][]) {
    test(`${name}: ASK and ASVK are signed by the pinned ARK (RSA-PSS SHA-384)`, async () => {
      const ark = parseCertificate(base64ToBytes(arkB64!));
      expect(toHex(sha256(ark.der))).toBe(PINNED_ROOTS.amdArk[name]);
      expect(ark.signatureAlgorithm).toEqual({ kind: 'rsa-pss', hash: 'SHA-384', saltLength: 48 });
      for (const issuer of issuers) {
        const checks = new CheckList();
        await verifyCertificateChain(
          [
            { label: 'ask', cert: parseCertificate(base64ToBytes(issuer)) },
            { label: 'ark', cert: ark },
          ],
          {
            at: new Date('2025-01-01T00:00:00Z'),
            pinnedRootSha256: [PINNED_ROOTS.amdArk[name]],
            checks,
            prefix: 'amd',
          },
        );
        expect(checks.checks.every((c) => c.ok)).toBe(true);
      }
    });
  }
});

describe('parseSnpReport', () => {
  test('strict length, version, reserved fields and signature padding', () => {
    const good = milanReport();
    expect(parseSnpReport(good).version).toBe(2);
    const set = (offset: number, value: number) => (b: Uint8Array) => {
      b[offset] = value;
      return b;
    };
    const cases: [string, (b: Uint8Array) => Uint8Array][] = [
      ['short', (b) => b.subarray(0, SNP_REPORT_LENGTH - 1)],
      ['long', (b) => new Uint8Array([...b, 0])],
      ['version 4', set(0, 4)],
      ['version 1', set(0, 1)],
      ['signature algorithm', set(0x34, 2)],
      ['reserved after key info', set(0x4c, 1)],
      ['policy bit 17 clear', set(0x0a, 0x01)],
      ['policy reserved bit', set(0x0f, 0x80)],
      ['reserved tail', set(0x4a0 - 1, 1)],
      ['R high bytes', set(0x2a0 + 60, 1)],
      ['S high bytes', set(0x2e8 + 71, 1)],
      ['signing key 2', set(0x48, 2 << 2)],
      ['VMPL 4', set(0x30, 4)],
      ['CPUID bytes in v2', set(0x188, 0x19)],
    ];
    for (const [name, mutate] of cases) {
      expect(() => parseSnpReport(mutate(good.slice())), name).toThrow(AttestationError);
    }
    const unsigned = good.slice();
    unsigned[0x48] = 7 << 2;
    expect(() => parseSnpReport(unsigned)).toThrow(
      expect.objectContaining({ code: 'ATTESTATION_UNSUPPORTED' }),
    );
  });

  test('versions 3 and 5: CPUID fields and mitigation vectors (synthetic bytes on the ABI layout)', async () => {
    const v3 = milanReport();
    v3[0] = 3;
    v3.set([0x19, 0x11, 0x01], 0x188);
    const r3 = parseSnpReport(v3);
    expect([r3.version, r3.cpuidFamily, r3.cpuidModel, r3.cpuidStepping]).toEqual([3, 0x19, 0x11, 1]);
    v3[0x18b] = 1;
    expect(() => parseSnpReport(v3)).toThrow(AttestationError);
    const v5 = milanReport();
    v5[0] = 5;
    v5.set([0x19, 0x01, 0x01], 0x188);
    v5[0x1f8] = 0x05;
    v5[0x200] = 0x07;
    const r5 = parseSnpReport(v5);
    expect([r5.launchMitVector, r5.currentMitVector]).toEqual([5n, 7n]);
    v5[0x208] = 1;
    expect(() => parseSnpReport(v5)).toThrow(AttestationError);
    // a v2 report may not use the v5 fields
    const v2 = milanReport();
    v2[0x1f8] = 1;
    expect(() => parseSnpReport(v2)).toThrow(AttestationError);
    // a report whose CPUID names Genoa cannot be verified with a Milan chain
    const genoa = milanReport();
    genoa[0] = 3;
    genoa.set([0x19, 0x11, 0x01], 0x188);
    const err = await verifySnpEvidence(genoa, {
      at: new Date(milan.at),
      collateral: { vcek: vector(milan.files['vcek']!) },
    }).catch((e: unknown) => e as AttestationError);
    expect(err).toMatchObject({ code: 'ATTESTATION_CERT_CHAIN' });
    expect((err as AttestationError).checks.at(-1)?.name).toBe('snp.product');
  });

  test('products and TCB layouts', () => {
    expect(productFromCpuid(0x19, 0x01)).toBe('Milan');
    expect(productFromCpuid(0x19, 0x11)).toBe('Genoa');
    expect(productFromCpuid(0x19, 0xa0)).toBe('Genoa');
    expect(productFromCpuid(0x1a, 0x02)).toBe('Turin');
    expect(productFromCpuid(0x17, 0x31)).toBeUndefined();
    const raw = hex('0300000000000873');
    expect(decodeTcb(raw, 'Milan')).toEqual({ bootloader: 3, tee: 0, snp: 8, microcode: 0x73 });
    expect(tcbHex(raw)).toBe('7308000000000003');
    expect(decodeTcb(hex('0102030400000009'), 'Turin')).toEqual({
      fmc: 1,
      bootloader: 2,
      tee: 3,
      snp: 4,
      microcode: 9,
    });
  });
});

describe('parseThimCollateral', () => {
  test('reads ACI host_amd_certificate.json; refuses broken ones', () => {
    const text = vectorText(expected['sev-snp/aci']!.files['hostAmdCertificate']!);
    const thim = parseThimCollateral(text);
    expect(thim.chain).toHaveLength(2);
    expect(thim.tcbm).toBe('7308000000000003');
    expect(toHex(thim.tcb)).toBe('0300000000000873');
    const json = JSON.parse(text) as Record<string, string>;
    for (const broken of [
      '{',
      '[]',
      JSON.stringify({ ...json, tcbm: 'xyz' }),
      JSON.stringify({ ...json, vcekCert: '' }),
      JSON.stringify({ ...json, certificateChain: json['vcekCert'] }),
    ]) {
      expect(() => parseThimCollateral(broken)).toThrow(AttestationError);
    }
  });
});

/** An HCL report around `snp` with `claims` as runtime data (layout of parse-hcl-report.ts). */
function hclEnvelope(snp: Uint8Array, claims: string, hashType = 1): Uint8Array {
  const data = new TextEncoder().encode(claims);
  const out = new Uint8Array(32 + SNP_REPORT_LENGTH + 20 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, HCL_MAGIC, true);
  view.setUint32(4, 2, true);
  view.setUint32(8, SNP_REPORT_LENGTH, true);
  out.set(snp, 32);
  const o = 32 + SNP_REPORT_LENGTH;
  view.setUint32(o, 20 + data.length, true);
  view.setUint32(o + 4, 1, true);
  view.setUint32(o + 8, 2, true);
  view.setUint32(o + 12, hashType, true);
  view.setUint32(o + 16, data.length, true);
  out.set(data, o + 20);
  return out;
}

describe('Azure HCL reports', () => {
  const claims = JSON.stringify({
    keys: [],
    'vm-configuration': { 'secure-boot': true },
    'user-data': 'AB'.repeat(64),
  });

  test('parses the envelope and computes the report_data the paravisor binds', () => {
    const hcl = parseHclReport(hclEnvelope(milanReport(), claims));
    expect(hcl.snpReport).toEqual(milanReport());
    expect(hcl.runtimeClaims?.['user-data']).toBe('AB'.repeat(64));
    expect(toHex(hclReportData(hcl))).toBe(toHex(sha256(new TextEncoder().encode(claims))) + '00'.repeat(32));
    expect(() => parseHclReport(hclEnvelope(milanReport(), claims, 9))).toThrow(AttestationError);
    expect(() => parseHclReport(hclEnvelope(milanReport(), claims).subarray(0, 1300))).toThrow(
      AttestationError,
    );
  });

  test('a real SNP report inside an HCL envelope whose claims it does not bind is refused', async () => {
    // The recorded Milan report's report_data is not SHA-256 of these claims: the binding check must catch it.
    const err = await verifySnpEvidence(hclEnvelope(milanReport(), claims), {
      at: new Date(milan.at),
      collateral: { vcek: vector(milan.files['vcek']!) },
    }).catch((e: unknown) => e as AttestationError);
    expect(err).toBeInstanceOf(AttestationError);
    expect((err as AttestationError).code).toBe('ATTESTATION_BINDING_MISMATCH');
    expect((err as AttestationError).checks.find((c) => c.name === 'snp.signature')?.ok).toBe(true);
  });
});

describe('strict DER and CBOR', () => {
  test('DER: non-minimal or indefinite lengths are refused', () => {
    expect(() => readDer(new Uint8Array([0x04, 0x81, 0x01, 0x00]), 0, 't')).toThrow(AttestationError);
    expect(() => readDer(new Uint8Array([0x30, 0x80, 0x00, 0x00]), 0, 't')).toThrow(AttestationError);
    expect(() => readDer(new Uint8Array([0x04, 0x05, 0x00]), 0, 't')).toThrow(AttestationError);
    expect(readDer(new Uint8Array([0x04, 0x01, 0x07]), 0, 't').value).toEqual(new Uint8Array([7]));
  });

  test('CBOR: preferred encodings only, no indefinite lengths, tags, floats or duplicate keys', () => {
    expect(decodeCbor(new Uint8Array([0x18, 0x18]), 't')).toBe(24);
    for (const bad of [
      [0x18, 0x01], // 1 in two bytes
      [0x5f, 0xff], // indefinite bstr
      [0xc0, 0x00], // tag
      [0xf9, 0x00, 0x00], // float16
      [0xa2, 0x01, 0x00, 0x01, 0x00], // duplicate key
      [0x5a, 0xff, 0xff, 0xff, 0xff], // length beyond the input
      [0x00, 0x00], // trailing bytes
    ]) {
      expect(() => decodeCbor(new Uint8Array(bad), 't'), JSON.stringify(bad)).toThrow(AttestationError);
    }
    expect(encodeHead(2, 300)).toEqual(new Uint8Array([0x59, 0x01, 0x2c]));
  });
});

describe('PEM collateral from the envelope', () => {
  const begin = '-----BEGIN CERTIFICATE-----';
  test('decodes blocks in order and ignores an unterminated one', () => {
    const der = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])];
    const pem = `x${der.map((d) => `${begin}\n${bytesToBase64(d)}\n-----END CERTIFICATE-----\n`).join('')}${begin}AAAA`;
    expect(decodePemCertificates(pem)).toEqual(der);
  });

  test('a few MB of BEGIN markers without END (a hostile certChain) take linear time', {
    timeout: 2000,
  }, async () => {
    const pem = begin.repeat(100_000);
    expect(decodePemCertificates(pem)).toEqual([]);
    await expect(
      verifyEvidence(
        { platform: 'sev-snp', evidence: milanReport(), collateral: { certChain: pem } },
        { at: new Date(milan.at) },
      ),
    ).rejects.toMatchObject({ code: 'ATTESTATION_MALFORMED_EVIDENCE' });
  });

  test('a long run of "=" inside base64 collateral is refused in linear time', {
    timeout: 2000,
  }, async () => {
    const hostile = `${'='.repeat(200_000)}A`;
    expect(() => base64ToBytes(hostile)).toThrow(TypeError);
    expect(base64ToBytes('AQI=')).toEqual(new Uint8Array([1, 2]));
    await expect(
      verifyEvidence(
        { platform: 'sev-snp', evidence: milanReport(), collateral: { vcek: hostile } },
        { at: new Date(milan.at) },
      ),
    ).rejects.toMatchObject({ code: 'ATTESTATION_MALFORMED_EVIDENCE' });
  });
});

describe('verifyEvidence dispatch', () => {
  test('SEV-SNP collateral from the envelope (PEM and base64 strings)', async () => {
    const report = await verifyEvidence(
      {
        platform: 'sev-snp',
        evidence: milanReport(),
        collateral: {
          vcek: bytesToBase64(vector(milan.files['vcek']!)),
          certChain: vectorText(milan.files['chain']!),
        },
      },
      {
        at: new Date(milan.at),
        expectedReportData: hex(milan.fields!['reportData'] as string),
        snp: { vmpl: 0 },
      },
    );
    expect(report.platform).toBe('sev-snp');
    await expect(
      verifyEvidence(
        { platform: 'sev-snp', evidence: milanReport(), collateral: { vcek: 42 } },
        { at: new Date(milan.at) },
      ),
    ).rejects.toMatchObject({ code: 'ATTESTATION_MALFORMED_EVIDENCE' });
    await expect(verifyEvidence({ platform: 'tdx', evidence: new Uint8Array(10) })).rejects.toMatchObject({
      code: 'ATTESTATION_UNSUPPORTED',
    });
  });

  test('simulated evidence: every rejection is an AttestationError whose last check failed', async () => {
    // A root WebCrypto cannot import as P-256 (here P-384), and a root that is not base64.
    const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign']);
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', p384.publicKey));
    const evidence = new Uint8Array(228);
    evidence.set(
      encodeSimulatedReportBody({
        debug: false,
        timestamp: new Date(),
        measurement: new Uint8Array(48),
        reportData: new Uint8Array(64),
        signerKeyId: sha256(spki),
      }),
    );
    const cases: [Uint8Array, string[]][] = [
      [evidence, [bytesToBase64(spki)]],
      [evidence, ['not base64!']],
      [evidence.subarray(0, 100), []],
    ];
    for (const [bytes, simulatorRoots] of cases) {
      const err = await verifyEvidence(
        { platform: 'simulated', evidence: bytes },
        { allowSimulated: true, simulatorRoots },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AttestationError);
      expect((err as AttestationError).checks.at(-1)?.ok).toBe(false);
    }
  });

  test('the top-level allowDebug reaches the platform verifiers, and a debug report is refused without it', async () => {
    const dbg = expected['sev-snp/milan-debug']!;
    const input = {
      platform: 'sev-snp',
      evidence: vector(dbg.files['report']!),
      collateral: { vcek: bytesToBase64(vector(dbg.files['vcek']!)) },
    };
    await expect(verifyEvidence(input, { at: new Date(dbg.at) })).rejects.toMatchObject({
      code: 'ATTESTATION_DEBUG',
    });
    expect((await verifyEvidence(input, { at: new Date(dbg.at), allowDebug: true })).debug).toBe(true);
  });
});
