import { equalBytes } from '@blindbox/bytes';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { AttestationError } from '../src/attestation-error.js';
import { verifyNvidiaGpuEvidence } from '../src/nvidia-gpu/verify-nvidia-gpu.js';
import { gpu } from './nvidia-gpu-fixtures.js';

const RUNS = Number(process.env['BLINDBOX_MUTATION_RUNS'] ?? 10_000);

const mutation = (length: number) =>
  fc.oneof(
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
      kind: fc.constant('overwrite' as const),
      at: fc.nat(length - 1),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
  );

type Mutation = typeof mutation extends (n: number) => fc.Arbitrary<infer M> ? M : never;

function apply(original: Uint8Array, m: Mutation): Uint8Array {
  const out = original.slice();
  switch (m.kind) {
    case 'flip':
      for (const bit of m.bits) out[bit >> 3]! ^= 1 << (bit & 7);
      return out;
    case 'truncate':
      return out.subarray(0, m.keep);
    case 'extend':
      return Uint8Array.from([...out, ...m.extra]);
    case 'overwrite':
      out.set(m.bytes.subarray(0, out.length - m.at), m.at);
      return out;
  }
}

describe('NVIDIA GPU report: mutations', () => {
  test(`${RUNS} mutations of the sample report are all rejected with AttestationError`, async () => {
    const original = gpu.report();
    const chain = gpu.chain();
    const nonce = Uint8Array.from(Buffer.from(gpu.nonce, 'hex'));
    // The unmutated report is accepted, so every rejection below is the mutation's doing.
    await verifyNvidiaGpuEvidence(
      { report: original, certChain: chain },
      { expectedNonce: nonce, noRims: true },
    );
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(mutation(original.length), async (m) => {
        const report = apply(original, m);
        fc.pre(!equalBytes(report, original));
        const outcome = await verifyNvidiaGpuEvidence(
          { report, certChain: chain },
          { expectedNonce: nonce, noRims: true },
        ).then(
          () => 'accepted',
          (err: unknown) => (err instanceof AttestationError ? 'rejected' : `threw ${String(err)}`),
        );
        expect(outcome).toBe('rejected');
        rejected++;
      }),
      { numRuns: RUNS },
    );
    expect(rejected).toBeGreaterThanOrEqual(RUNS * 0.95);
  }, 300_000);
});
