import { equalBytes as bytesEqual } from '@blindbox/bytes';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AttestationError } from '../src/attestation-error.js';
import { encodeHead } from '../src/cbor/decode-cbor.js';
import { decodeCoseSign1 } from '../src/nitro/decode-cose-sign1.js';
import { verifyNitroDocument } from '../src/nitro/verify-nitro-document.js';
import { type SnpVerifyOptions, verifySnpEvidence } from '../src/sev-snp/verify-snp-report.js';
import { expected, hex, vector, vectorText } from './vectors.js';

/** At least this many mutations of each valid vector must be rejected (issue 3). */
const RUNS = Number(process.env['BLINDBOX_MUTATION_RUNS'] ?? 10_000);

type Mutation =
  | { kind: 'flip'; bits: number[] }
  | { kind: 'truncate'; keep: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'swap'; a: number; b: number; size: number }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'field'; i: number; j: number };

/** Byte ranges of named fields, for "swapped fields" mutations. */
type Fields = readonly (readonly [number, number])[];

function mutation(length: number, fields: Fields): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      bits: fc.uniqueArray(fc.nat(length * 8 - 1), { minLength: 1, maxLength: 8 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat(length - 1) }),
    fc.record({
      kind: fc.constant('extend' as const),
      extra: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }),
    fc.record({
      kind: fc.constant('swap' as const),
      a: fc.nat(length - 1),
      b: fc.nat(length - 1),
      size: fc.integer({ min: 1, max: 96 }),
    }),
    fc.record({
      kind: fc.constant('overwrite' as const),
      at: fc.nat(length - 1),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
    fc.record({
      kind: fc.constant('field' as const),
      i: fc.nat(fields.length - 1),
      j: fc.nat(fields.length - 1),
    }),
  );
}

function apply(original: Uint8Array, m: Mutation, fields: Fields): Uint8Array {
  const out = original.slice();
  switch (m.kind) {
    case 'flip':
      for (const bit of m.bits) out[bit >> 3]! ^= 1 << (bit & 7);
      return out;
    case 'truncate':
      return out.slice(0, m.keep);
    case 'extend':
      return new Uint8Array([...out, ...m.extra]);
    case 'swap': {
      const size = Math.min(m.size, out.length - m.a, out.length - m.b);
      const a = original.slice(m.a, m.a + size);
      const b = original.slice(m.b, m.b + size);
      out.set(b, m.a);
      out.set(a, m.b);
      return out;
    }
    case 'overwrite':
      out.set(m.bytes.subarray(0, out.length - m.at), m.at);
      return out;
    case 'field': {
      const [ao, al] = fields[m.i]!;
      const [bo, bl] = fields[m.j]!;
      const size = Math.min(al, bl);
      out.set(original.subarray(bo, bo + size), ao);
      out.set(original.subarray(ao, ao + size), bo);
      return out;
    }
  }
}

/** Every mutation that changes a byte is rejected with a typed error and never an internal failure. */
async function assertRejectsMutations(
  original: Uint8Array,
  fields: Fields,
  verify: (bytes: Uint8Array) => Promise<unknown>,
  runs = RUNS,
): Promise<void> {
  await verify(original); // the unmutated vector is accepted
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(mutation(original.length, fields), async (m) => {
      const mutated = apply(original, m, fields);
      fc.pre(!bytesEqual(mutated, original));
      let error: unknown;
      try {
        await verify(mutated);
      } catch (err) {
        error = err;
      }
      expect(error, `accepted after ${JSON.stringify(m)}`).toBeInstanceOf(AttestationError);
      const e = error as AttestationError;
      // runChecks turns unexpected exceptions into this message: none may occur.
      expect(e.message).not.toMatch(/^evidence could not be processed/);
      expect(e.checks.at(-1)?.ok).toBe(false);
      rejected++;
    }),
    {
      numRuns: RUNS,
      maxSkipsPerRun: 1000,
      seed: Number(process.env['BLINDBOX_SEED'] ?? Date.now() % 2 ** 31),
    },
  );
  expect(rejected).toBeGreaterThanOrEqual(runs);
}

// SEV-SNP ABI spec ATTESTATION_REPORT fields (offset, length) that mutations swap with each other.
const SNP_FIELDS: Fields = [
  [0x00, 4],
  [0x04, 4],
  [0x08, 8],
  [0x10, 16],
  [0x20, 16],
  [0x30, 4],
  [0x38, 8],
  [0x40, 8],
  [0x48, 4],
  [0x50, 64],
  [0x90, 48],
  [0xc0, 32],
  [0xe0, 48],
  [0x110, 48],
  [0x140, 32],
  [0x160, 32],
  [0x180, 8],
  [0x1a0, 64],
  [0x1e0, 8],
  [0x1e8, 4],
  [0x1ec, 4],
  [0x1f0, 8],
  [0x2a0, 72],
  [0x2e8, 72],
];

describe('property: mutated evidence is rejected with AttestationError', { timeout: 300_000 }, () => {
  test(`sev-snp/milan-valid: ${RUNS} mutations`, async () => {
    const c = expected['sev-snp/milan-valid']!;
    const options: SnpVerifyOptions = {
      at: new Date(c.at),
      collateral: { vcek: vector(c.files['vcek']!), certChain: vectorText(c.files['chain']!) },
      format: 'report',
    };
    await assertRejectsMutations(hex(vectorText(c.files['report']!)), SNP_FIELDS, (b) =>
      verifySnpEvidence(b, options),
    );
  });

  test(`sev-snp/aci: ${RUNS} mutations`, async () => {
    const c = expected['sev-snp/aci']!;
    const options: SnpVerifyOptions = {
      at: new Date(c.at),
      collateral: { thim: vectorText(c.files['hostAmdCertificate']!) },
      format: 'report',
    };
    await assertRejectsMutations(vector(c.files['report']!), SNP_FIELDS, (b) =>
      verifySnpEvidence(b, options),
    );
  });

  test(`sev-snp/milan-valid VCEK (the collateral): ${RUNS} mutations`, async () => {
    const c = expected['sev-snp/milan-valid']!;
    const report = hex(vectorText(c.files['report']!));
    const chain = vectorText(c.files['chain']!);
    const at = new Date(c.at);
    // Each mutated certificate misses the signature cache: one RSA-PSS check per run.
    await assertRejectsMutations(
      vector(c.files['vcek']!),
      [
        [0, 4],
        [4, 64],
        [200, 96],
        [600, 96],
        [1000, 96],
        [1264, 96],
      ],
      (vcek) => verifySnpEvidence(report, { at, collateral: { vcek, certChain: chain } }),
    );
  });

  test(`sev-snp/milan-debug (debug allowed): ${RUNS} mutations`, async () => {
    const c = expected['sev-snp/milan-debug']!;
    const options: SnpVerifyOptions = {
      at: new Date(c.at),
      allowDebug: true,
      collateral: { vcek: vector(c.files['vcek']!), certChain: vectorText(c.files['chain']!) },
    };
    await assertRejectsMutations(vector(c.files['report']!), SNP_FIELDS, (b) =>
      verifySnpEvidence(b, options),
    );
  });

  test(`nitro/debug (debug allowed): ${RUNS} mutations`, async () => {
    const c = expected['nitro/debug']!;
    const doc = vector(c.files['document']!);
    const at = new Date(c.at);
    const fields: Fields = [
      [1, 5],
      [6, 1],
      [20, 64],
      [600, 64],
      [1200, 96],
      [doc.length - 96, 96],
    ];
    await assertRejectsMutations(doc, fields, (b) => verifyNitroDocument(b, { at, allowDebug: true }));
  });

  test(`nitro/valid: ${RUNS} mutations`, async () => {
    const c = expected['nitro/valid']!;
    const doc = vector(c.files['document']!);
    // Field ranges: the four COSE items, and spans inside the signed payload.
    const cose = decodeCoseSign1(doc);
    // [ (1) | bstr head (1) + protected | {} (1) | bstr head + payload | bstr head (2) + signature ]
    const payloadAt = 1 + 1 + cose.protectedBytes.length + 1 + encodeHead(2, cose.payload.length).length;
    expect(doc.subarray(payloadAt, payloadAt + cose.payload.length)).toEqual(cose.payload);
    const fields: Fields = [
      [1, 5],
      [6, 1],
      [payloadAt, 64],
      [payloadAt + 200, 48],
      [payloadAt + 400, 48],
      [payloadAt + 1000, 96],
      [doc.length - 96, 96],
    ];
    const at = new Date(c.at);
    await assertRejectsMutations(doc, fields, (b) => verifyNitroDocument(b, { at }));
  });
});
