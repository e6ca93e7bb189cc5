import { hexEncode as toHex } from '@blindbox/bytes';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, test } from 'vitest';
import { AttestationError, type AttestationErrorCode } from '../src/attestation-error.js';
import { decodeCoseSign1 } from '../src/nitro/decode-cose-sign1.js';
import { type NitroVerifyOptions, verifyNitroDocument } from '../src/nitro/verify-nitro-document.js';
import { PINNED_ROOTS } from '../src/pinned-roots.js';
import { verifyEvidence } from '../src/verify-evidence.js';
import { decodePemCertificates } from '../src/x509/parse-certificate.js';
import { expected, hex, vector, vectorText } from './vectors.js';

const valid = expected['nitro/valid']!;
const debugCase = expected['nitro/debug']!;

async function expectCode(p: Promise<unknown>, code: AttestationErrorCode): Promise<AttestationError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AttestationError);
    const e = err as AttestationError;
    expect(e.code, e.message).toBe(code);
    expect(e.checks.at(-1)?.ok).toBe(false);
    return e;
  }
  throw new Error(`expected ${code}`);
}

const doc = () => vector(valid.files['document']!);
const at = (over: Partial<NitroVerifyOptions> = {}): NitroVerifyOptions => ({
  at: new Date(valid.at),
  ...over,
});

describe('pinned AWS root', () => {
  test('the fingerprint equals expected.json and aws_nitro_root.pem', () => {
    expect(PINNED_ROOTS.awsNitro).toBe(expected.awsNitroRootSha256);
    const [root] = decodePemCertificates(vectorText(valid.files['root']!));
    expect(toHex(sha256(root!))).toBe(PINNED_ROOTS.awsNitro);
  });
});

describe('nitro/valid', () => {
  test(`accept at ${valid.at} with the listed fields`, async () => {
    const r = await verifyNitroDocument(doc(), at());
    const f = valid.fields!;
    expect(r.platform).toBe('nitro');
    expect(r.measurement).toBe(f['pcr0']);
    expect(r.pcrs?.[0]).toBe(f['pcr0']);
    expect(r.pcrs?.[1]).toBe(f['pcr1']);
    expect(r.pcrs?.[2]).toBe(f['pcr2']);
    expect(r.reportData).toBe(f['userData']);
    expect(r.debug).toBe(false);
    expect(r.claims['moduleId']).toBe(f['moduleId']);
    expect(r.claims['timestamp']).toBe(f['timestamp']);
    expect(r.claims['nonce']).toBe(f['nonce']);
    expect(r.claims['userData']).toBe(f['userData']);
    expect(r.claims['publicKey']).toBe(f['publicKey']);
    expect(r.checks.every((c) => c.ok)).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'nitro.chain.root.pinned',
        'nitro.chain.leaf.validity',
        'nitro.signature',
        'nitro.freshness',
        'nitro.debug',
      ]),
    );
  });

  test('through verifyEvidence', async () => {
    const r = await verifyEvidence({ platform: 'nitro', evidence: doc() }, { at: new Date(valid.at) });
    expect(r.measurement).toBe(valid.fields!['pcr0']);
  });

  test('reject at 2022-11-11: certificates expired', async () => {
    const err = await expectCode(
      verifyNitroDocument(doc(), at({ at: new Date('2022-11-11T00:00:00Z') })),
      'ATTESTATION_CERT_EXPIRED',
    );
    expect(err.checks.at(-1)?.name).toMatch(/^nitro\.chain\.(leaf|intermediate\d)\.validity$/);
    // just after the leaf expired, with the rest of the chain still valid: the leaf is named
    const leaf = await expectCode(
      verifyNitroDocument(doc(), at({ at: new Date('2022-11-10T01:53:00Z') })),
      'ATTESTATION_CERT_EXPIRED',
    );
    expect(leaf.checks.at(-1)?.name).toBe('nitro.chain.leaf.validity');
  });

  test('reject document_bad_sig.cbor: COSE signature', async () => {
    const err = await expectCode(
      verifyNitroDocument(vector('nitro/valid/document_bad_sig.cbor'), at()),
      'ATTESTATION_BAD_SIGNATURE',
    );
    expect(err.checks.at(-1)?.name).toBe('nitro.signature');
  });

  test('freshness window relative to the verification time', async () => {
    await expectCode(verifyNitroDocument(doc(), at({ maxAgeSeconds: 300 })), 'ATTESTATION_STALE');
    await verifyNitroDocument(doc(), at({ at: new Date('2022-11-09T22:55:00Z'), maxAgeSeconds: 300 }));
    // signed 0.7 s after the verification time: within the one-minute clock skew
    await verifyNitroDocument(doc(), at({ at: new Date('2022-11-09T22:52:00Z'), maxAgeSeconds: 300 }));
    // before the NSM certificate existed, the chain refuses it
    await expectCode(
      verifyNitroDocument(doc(), at({ at: new Date('2022-11-09T22:51:00Z') })),
      'ATTESTATION_CERT_EXPIRED',
    );
  });

  test('PCR policies: PCR0 or PCR8 in every set, alone or with others; mismatch rejected', async () => {
    const f = valid.fields!;
    const set = { 0: f['pcr0'] as string, 1: f['pcr1'] as string, 2: f['pcr2'] as string };
    await verifyNitroDocument(doc(), at({ pcrs: [set] }));
    await verifyNitroDocument(
      doc(),
      at({
        pcrs: [
          { ...set, 0: '00'.repeat(48) },
          { ...set, 3: '00'.repeat(48) },
        ],
      }),
    );
    await expectCode(
      verifyNitroDocument(doc(), at({ pcrs: [{ ...set, 2: '11'.repeat(48) }] })),
      'ATTESTATION_PCR_MISMATCH',
    );
    await expectCode(
      verifyNitroDocument(doc(), at({ pcrs: [{ ...set, 8: '11'.repeat(48) }] })),
      'ATTESTATION_PCR_MISMATCH',
    );
    // PCR0 alone pins the whole image file
    await verifyNitroDocument(doc(), at({ pcrs: [{ 0: set[0] }] }));
    await expectCode(
      verifyNitroDocument(doc(), at({ pcrs: [{ 0: '11'.repeat(48) }] })),
      'ATTESTATION_PCR_MISMATCH',
    );
    // PCR8 alone (every image a key signed): this image is unsigned, so no PCR8 value matches it
    await expectCode(
      verifyNitroDocument(doc(), at({ pcrs: [{ 8: '11'.repeat(48) }] })),
      'ATTESTATION_PCR_MISMATCH',
    );
    // PCR1 and PCR2 without PCR0 or PCR8 pin no application: a policy error, never a weaker check
    const partial = { 1: set[1], 2: set[2] } as unknown as typeof set;
    await expectCode(verifyNitroDocument(doc(), at({ pcrs: [partial] })), 'ATTESTATION_POLICY');
    await verifyNitroDocument(doc(), at({ measurements: [set[0]] }));
    await expectCode(
      verifyNitroDocument(doc(), at({ measurements: ['00'.repeat(48)] })),
      'ATTESTATION_MEASUREMENT_MISMATCH',
    );
  });

  test('nonce, public key and user data against the binding', async () => {
    const f = valid.fields!;
    await verifyNitroDocument(
      doc(),
      at({ expectedNonce: hex(f['nonce'] as string), expectedUserData: hex(f['userData'] as string) }),
    );
    await expectCode(
      verifyNitroDocument(doc(), at({ expectedNonce: new Uint8Array(32) })),
      'ATTESTATION_NONCE_MISMATCH',
    );
    // the document has no public_key: a client that expects one rejects it
    await expectCode(
      verifyNitroDocument(doc(), at({ expectedPublicKey: new Uint8Array(32) })),
      'ATTESTATION_BINDING_MISMATCH',
    );
    await expectCode(
      verifyNitroDocument(doc(), at({ expectedReportData: new Uint8Array(64) })),
      'ATTESTATION_BINDING_MISMATCH',
    );
    // an expectedUserData policy value never replaces the protocol binding: both are checked
    await expectCode(
      verifyNitroDocument(
        doc(),
        at({ expectedUserData: hex(f['userData'] as string), expectedReportData: new Uint8Array(64) }),
      ),
      'ATTESTATION_BINDING_MISMATCH',
    );
    await expectCode(
      verifyEvidence(
        { platform: 'nitro', evidence: doc() },
        {
          at: new Date(valid.at),
          expectedReportData: new Uint8Array(64),
          nitro: { expectedUserData: hex(f['userData'] as string) },
        },
      ),
      'ATTESTATION_BINDING_MISMATCH',
    );
  });

  test('the COSE envelope is untagged ES384 with an empty unprotected header', () => {
    const cose = decodeCoseSign1(doc());
    expect(cose.alg).toBe(-35);
    expect(cose.signature).toHaveLength(96);
    const tagged = new Uint8Array([0xd2, ...doc()]);
    expect(() => decodeCoseSign1(tagged)).toThrow(AttestationError);
  });
});

describe('nitro/debug', () => {
  const debugDoc = () => vector(debugCase.files['document']!);
  const opts = (over: Partial<NitroVerifyOptions> = {}): NitroVerifyOptions => ({
    at: new Date(debugCase.at),
    ...over,
  });

  test('reject under the default policy: PCR0..2 all zero (signature and chain valid)', async () => {
    const err = await expectCode(verifyNitroDocument(debugDoc(), opts()), 'ATTESTATION_DEBUG');
    expect(err.checks.find((c) => c.name === 'nitro.signature')?.ok).toBe(true);
    expect(err.checks.find((c) => c.name === 'nitro.chain.leaf.signature')?.ok).toBe(true);
    await expectCode(
      verifyEvidence({ platform: 'nitro', evidence: debugDoc() }, { at: new Date(debugCase.at) }),
      'ATTESTATION_DEBUG',
    );
  });

  test('accept only when debug is explicitly allowed', async () => {
    const r = await verifyNitroDocument(debugDoc(), opts({ allowDebug: true }));
    const f = debugCase.fields!;
    expect(r.debug).toBe(true);
    expect(r.measurement).toBe(f['pcr0']);
    expect(r.reportData).toBe(f['userData']);
    expect(r.claims['userData']).toBe(f['userData']);
    expect(r.claims['publicKey']).toBe(f['publicKey']);
    expect(r.claims['nonce']).toBe(f['nonce']);
    await verifyEvidence(
      { platform: 'nitro', evidence: debugDoc() },
      { at: new Date(debugCase.at), allowDebug: true },
    );
    // a nonce the client sent but the document lacks
    await expectCode(
      verifyNitroDocument(debugDoc(), opts({ allowDebug: true, expectedNonce: new Uint8Array(32) })),
      'ATTESTATION_NONCE_MISMATCH',
    );
    await verifyNitroDocument(
      debugDoc(),
      opts({ allowDebug: true, expectedPublicKey: hex(f['publicKey'] as string) }),
    );
  });
});
