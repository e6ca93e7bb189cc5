import { equalBytes } from '@blindbox/bytes';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AttestationError } from '../src/attestation-error.js';
import { checkSignedCollateral } from '../src/tdx/check-signed-collateral.js';
import { resolveTdxCollateral } from '../src/tdx/resolve-tdx-collateral.js';
import type { TdxCollateral, TdxVerifyOptions } from '../src/tdx/tdx-options.js';
import { verifyTdxQuote } from '../src/tdx/verify-tdx-quote.js';
import { CheckList } from '../src/verifier/check-list.js';
import { TDX_AT, TDX_OFFSETS, tdxCollateral, tdxQuote } from './tdx-vectors.js';

/** At least this many mutations of the quote must be rejected (issue 12). */
const RUNS = Number(process.env['BLINDBOX_MUTATION_RUNS'] ?? 10_000);

type Mutation =
  | { kind: 'flip'; bits: number[] }
  | { kind: 'truncate'; keep: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'swap'; a: number; b: number; size: number }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'field'; i: number; j: number };

/** Byte ranges (offset, length) of quote fields, for "swapped fields" mutations. */
type Fields = readonly (readonly [number, number])[];

// DCAP v4 quote fields (src/tdx/parse-tdx-quote.ts): header parts, TD report body fields, the
// signature data, QE report fields, the QE auth data and the start of the PCK chain.
const QUOTE_FIELDS: Fields = [
  [0, 2],
  [2, 2],
  [4, 4],
  [12, 16],
  [28, 20],
  [48, 16],
  [64, 48],
  [112, 48],
  [160, 8],
  [168, 8],
  [176, 8],
  [184, 48],
  [232, 48],
  [280, 48],
  [328, 48],
  [376, 48],
  [424, 48],
  [472, 48],
  [520, 48],
  [568, 64],
  [632, 4],
  [TDX_OFFSETS.signature, 64],
  [TDX_OFFSETS.attestationKey, 64],
  [764, 2],
  [766, 4],
  [TDX_OFFSETS.qeReport, 16],
  [TDX_OFFSETS.qeReport + 48, 16],
  [TDX_OFFSETS.qeReport + 128, 32],
  [TDX_OFFSETS.qeReport + 256, 4],
  [TDX_OFFSETS.qeReport + 320, 64],
  [TDX_OFFSETS.qeReportSignature, 64],
  [1218, 2],
  [TDX_OFFSETS.qeAuthData, 32],
  [1252, 2],
  [1254, 4],
  [TDX_OFFSETS.pckChain, 64],
  [TDX_OFFSETS.pckChain + 1000, 64],
  [TDX_OFFSETS.pckChain + 2500, 64],
];

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
      out.set(original.slice(m.b, m.b + size), m.a);
      out.set(original.slice(m.a, m.a + size), m.b);
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

async function rejectedWithTypedError(
  verify: () => Promise<unknown>,
  m: Mutation,
  { wholeVerifier = true } = {},
): Promise<void> {
  let error: unknown;
  try {
    await verify();
  } catch (err) {
    error = err;
  }
  expect(error, `accepted after ${JSON.stringify(m)}`).toBeInstanceOf(AttestationError);
  const e = error as AttestationError;
  // runChecks turns unexpected exceptions (a bug, a TypeError) into this message: none may occur.
  expect(e.message, JSON.stringify(m)).not.toMatch(/^evidence could not be processed/);
  // The public verifier always names the failing check (steps alone may throw from a parser).
  if (wholeVerifier) expect(e.checks.at(-1)?.ok).toBe(false);
}

const seed = Number(process.env['BLINDBOX_SEED'] ?? Date.now() % 2 ** 31);

describe('property: mutated TDX evidence is rejected with AttestationError', { timeout: 600_000 }, () => {
  test(`tdx/spr quote: ${RUNS} mutations, none accepted`, async () => {
    const original = tdxQuote();
    // The quote and its PCK chain verify at capture time (no TCB info covers this platform, so the
    // collateral path rejects the unmutated quote too and could not tell mutations apart).
    const options: TdxVerifyOptions = { at: TDX_AT, noCollateral: true };
    await verifyTdxQuote(original, options);
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(mutation(original.length, QUOTE_FIELDS), async (m) => {
        const mutated = apply(original, m, QUOTE_FIELDS);
        fc.pre(!equalBytes(mutated, original));
        await rejectedWithTypedError(() => verifyTdxQuote(mutated, options), m);
        rejected++;
      }),
      { numRuns: RUNS, maxSkipsPerRun: 1000, seed },
    );
    expect(rejected).toBeGreaterThanOrEqual(RUNS);
  });

  test.each([
    ['tcbInfo', 'tdx.tcbInfo'],
    ['qeIdentity', 'tdx.qeIdentity'],
  ] as const)(
    `Intel's %s: ${Math.ceil(RUNS / 5)} mutations of its text never pass its signature check`,
    async (key, name) => {
      const collateral = tdxCollateral();
      const original = new TextEncoder().encode(collateral[key]!);
      const verify = async (text: Uint8Array) => {
        const c: TdxCollateral = { ...collateral, [key]: new TextDecoder().decode(text) };
        const checks = new CheckList();
        const resolved = resolveTdxCollateral({ collateral: c }, checks)!;
        const item = key === 'tcbInfo' ? resolved.tcbInfo : resolved.qeIdentity;
        const chain = key === 'tcbInfo' ? resolved.tcbInfoChain : resolved.qeIdentityChain;
        await checkSignedCollateral(item, chain, resolved.rootCrl, { at: TDX_AT, name, what: key }, checks);
      };
      await verify(original);
      const fields: Fields = [
        [0, 12],
        [20, 40],
        [200, 40],
        [original.length - 140, 128],
      ];
      await fc.assert(
        fc.asyncProperty(mutation(original.length, fields), async (m) => {
          const mutated = apply(original, m, fields);
          // A mutation that only changes surrounding whitespace changes nothing Intel signed.
          fc.pre(new TextDecoder().decode(mutated).trim() !== new TextDecoder().decode(original).trim());
          await rejectedWithTypedError(() => verify(mutated), m, { wholeVerifier: false });
        }),
        { numRuns: Math.ceil(RUNS / 5), maxSkipsPerRun: 1000, seed },
      );
    },
  );
});
