import { equalBytes } from '@blindbox/bytes';
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { AttestationError } from '../src/attestation-error.js';
import type { TdxVerifyOptions } from '../src/tdx/tdx-options.js';
import { verifyTdxQuote } from '../src/tdx/verify-tdx-quote.js';
import { parseCertificate } from '../src/x509/parse-certificate.js';
import { certificateFingerprint } from '../src/x509/verify-certificate-chain.js';
import { mockIntel } from './tdx-mock-pki.js';

// The mock Intel root is pinned in place of Intel's (the real pin is tested with the real vector in
// tdx-vectors.test.ts); everything else runs as in production.
const pin = vi.hoisted(() => ({ intelSgxRoot: '' }));
vi.mock('../src/pinned-roots.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/pinned-roots.js')>();
  return {
    PINNED_ROOTS: {
      ...actual.PINNED_ROOTS,
      get intelSgxRoot() {
        return pin.intelSgxRoot;
      },
    },
  };
});

const intel = mockIntel();
pin.intelSgxRoot = certificateFingerprint(parseCertificate(intel.root.der));
const AT = new Date('2023-07-01T00:00:00Z');

async function verdict(quote: Uint8Array, options: TdxVerifyOptions): Promise<string> {
  try {
    await verifyTdxQuote(quote, { at: AT, ...options });
    return 'accept';
  } catch (err) {
    expect(err).toBeInstanceOf(AttestationError);
    const e = err as AttestationError;
    return `${e.code} @ ${e.checks.at(-1)?.name}`;
  }
}

describe('TDX verification end to end against a mock Intel PKI (test root pinned by vi.mock)', () => {
  const pck = intel.pck();
  const quote = intel.quote(pck);

  test('a platform at an UpToDate TCB level with Intel QE UpToDate is accepted, every step recorded', async () => {
    const report = await verifyTdxQuote(quote, { at: AT, collateral: intel.collateral() });
    expect(report.claims).toMatchObject({
      tcbStatus: 'UpToDate',
      qeTcbStatus: 'UpToDate',
      tcbDate: '2023-02-15T00:00:00.000Z',
    });
    expect(report.checks.every((c) => c.ok)).toBe(true);
    const names = report.checks.map((c) => c.name);
    for (const name of [
      'tdx.crl.root.ca',
      'tdx.crl.pck.pck',
      'tdx.qe.attestationKey',
      'tdx.signature',
      'tdx.tcbInfo.signature',
      'tdx.tcbInfo.tdxModule',
      'tdx.tcb.status',
      'tdx.qeIdentity.mrSigner',
      'tdx.qe.tcb.status',
      'tdx.attributes.debug',
    ]) {
      expect(names).toContain(name);
    }
    // Order of the steps: chain, CRLs, QE report, quote signature, TCB info, QE identity, debug.
    const order = [
      'tdx.chain.root.pinned',
      'tdx.crl.root.signature',
      'tdx.qe.signature',
      'tdx.signature',
      'tdx.tcbInfo.signature',
      'tdx.qeIdentity.signature',
      'tdx.attributes.debug',
    ];
    expect(order.map((n) => names.indexOf(n))).toEqual(
      [...order.map((n) => names.indexOf(n))].sort((a, b) => a - b),
    );
  });

  test('the real Intel pin refuses the mock root', async () => {
    const saved = pin.intelSgxRoot;
    pin.intelSgxRoot = '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3';
    try {
      expect(await verdict(quote, { collateral: intel.collateral() })).toBe(
        'ATTESTATION_UNTRUSTED_ROOT @ tdx.chain.root.pinned',
      );
    } finally {
      pin.intelSgxRoot = saved;
    }
  });

  test('TCB status policy: SWHardeningNeeded and OutOfDate are refused by default, accepted only when listed; Revoked never', async () => {
    const at = (status: string) =>
      intel.collateral({ levels: [{ sgx: 5, pceSvn: 11, tdx: [3, 0, 5], status }] });
    expect(await verdict(quote, { collateral: at('SWHardeningNeeded') })).toBe(
      'ATTESTATION_TCB @ tdx.tcb.status',
    );
    expect(
      await verdict(quote, {
        collateral: at('SWHardeningNeeded'),
        acceptedTcbStatuses: ['UpToDate', 'SWHardeningNeeded'],
      }),
    ).toBe('accept');
    expect(
      await verdict(quote, {
        collateral: at('OutOfDate'),
        acceptedTcbStatuses: ['UpToDate', 'SWHardeningNeeded'],
      }),
    ).toBe('ATTESTATION_TCB @ tdx.tcb.status');
    expect(await verdict(quote, { collateral: at('Revoked'), acceptedTcbStatuses: ['Revoked'] })).toBe(
      'ATTESTATION_TCB @ tdx.tcb.status',
    );
    // The newest level the platform meets decides: below UpToDate's TDX SVNs, the OutOfDate level matches.
    const two = intel.collateral({
      levels: [
        { sgx: 5, pceSvn: 11, tdx: [3, 0, 6], status: 'UpToDate' },
        { sgx: 5, pceSvn: 11, tdx: [3, 0, 5], status: 'OutOfDate' },
      ],
    });
    expect(await verdict(quote, { collateral: two })).toBe('ATTESTATION_TCB @ tdx.tcb.status');
    const report = await verifyTdxQuote(quote, {
      at: AT,
      collateral: two,
      acceptedTcbStatuses: ['UpToDate', 'OutOfDate'],
    });
    expect(report.claims).toMatchObject({ tcbStatus: 'OutOfDate', advisoryIds: ['INTEL-SA-00960'] });
  });

  test('a QE below every QE identity level, or rated OutOfDate, is refused', async () => {
    expect(await verdict(intel.quote(pck, { qeIsvSvn: 3 }), { collateral: intel.collateral() })).toBe(
      'ATTESTATION_TCB @ tdx.qe.tcb.level',
    );
    const old = intel.collateral({
      qeLevels: [
        { isvSvn: 5, status: 'UpToDate' },
        { isvSvn: 2, status: 'OutOfDate' },
      ],
    });
    expect(await verdict(quote, { collateral: old })).toBe('ATTESTATION_TCB @ tdx.qe.tcb.status');
  });

  test("a QE that is not Intel's (another MRSIGNER, under a genuine PCK signature) is refused", async () => {
    const other = intel.quote(pck, { qeMrSigner: 'ab'.repeat(32) });
    expect(await verdict(other, { collateral: intel.collateral() })).toBe(
      'ATTESTATION_QE_IDENTITY_MISMATCH @ tdx.qeIdentity.mrSigner',
    );
    // Without collateral nothing says which enclave the QE is: the report says the QE was not assessed.
    const report = await verifyTdxQuote(other, { at: AT, noCollateral: true });
    expect(report.claims['qeTcbStatus']).toBe('NotAssessed');
  });

  test('a QE report that does not vouch for the attestation key is refused, though the PCK signed it', async () => {
    const unbound = intel.quote(pck, { unbindAttestationKey: true });
    expect(await verdict(unbound, { noCollateral: true })).toBe(
      'ATTESTATION_CERT_CHAIN @ tdx.qe.attestationKey',
    );
  });

  test('revocation: a PCK on the PCK CRL, a PCK CA or the TCB Signing certificate on the root CRL', async () => {
    expect(await verdict(quote, { collateral: intel.collateral({ revoked: [pck] }) })).toBe(
      'ATTESTATION_CERT_REVOKED @ tdx.crl.pck.pck',
    );
    expect(await verdict(quote, { collateral: intel.collateral({ rootRevoked: [intel.platformCa] }) })).toBe(
      'ATTESTATION_CERT_REVOKED @ tdx.crl.root.ca',
    );
    expect(await verdict(quote, { collateral: intel.collateral({ rootRevoked: [intel.tcbSigning] }) })).toBe(
      'ATTESTATION_CERT_REVOKED @ tdx.tcbInfo.chain.revocation',
    );
    // Another PCK on the CRL does not matter.
    expect(await verdict(quote, { collateral: intel.collateral({ revoked: [intel.pck()] }) })).toBe('accept');
  });

  test('a debug TD with a valid signature is refused unless allowDebug', async () => {
    const debug = intel.quote(pck, { tdAttributes: 0x10000001 });
    expect(await verdict(debug, { collateral: intel.collateral() })).toBe(
      'ATTESTATION_DEBUG @ tdx.attributes.debug',
    );
    const report = await verifyTdxQuote(debug, { at: AT, collateral: intel.collateral(), allowDebug: true });
    expect(report.debug).toBe(true);
  });

  test('a PCK chain through the Processor CA verifies, with the CRL of that CA', async () => {
    const processorPck = intel.pck(undefined, intel.processorCa);
    const q = intel.quote(processorPck, {}, intel.processorCa);
    expect(await verdict(q, { collateral: intel.collateral({}, intel.processorCa) })).toBe('accept');
    // The Platform CA's CRL does not cover a Processor-CA PCK.
    expect(await verdict(q, { collateral: intel.collateral() })).toMatch(
      /^ATTESTATION_COLLATERAL_MISMATCH @ tdx.crl.pck/,
    );
  });

  test('TCB info for another FMSPC, or another TDX module, is refused', async () => {
    const otherPlatform = intel.pck({ sgx: Array(16).fill(5), pceSvn: 11, fmspc: '00906ed50000' });
    expect(await verdict(intel.quote(otherPlatform), { collateral: intel.collateral() })).toBe(
      'ATTESTATION_COLLATERAL_MISMATCH @ tdx.tcbInfo.platform',
    );
    const otherModule = intel.collateral({
      tcbExtra: {
        tdxModule: {
          mrsigner: 'ff'.repeat(48),
          attributes: '0000000000000000',
          attributesMask: 'FFFFFFFFFFFFFFFF',
        },
      },
    });
    expect(await verdict(quote, { collateral: otherModule })).toBe('ATTESTATION_TCB @ tdx.tcbInfo.tdxModule');
  });

  test('TDX module ≥ 1.5 (TEE_TCB_SVN[1] = 1): the TDX_01 module identity rates TEE_TCB_SVN[0]', async () => {
    const q = intel.quote(pck, { teeTcbSvn: [2, 1, 5] });
    const identity = (status: string) => ({
      tdxModuleIdentities: [
        {
          id: 'TDX_01',
          mrsigner: '00'.repeat(48),
          attributes: '0000000000000000',
          attributesMask: 'FFFFFFFFFFFFFFFF',
          tcbLevels: [{ tcb: { isvsvn: 2 }, tcbDate: '2023-02-15T00:00:00Z', tcbStatus: status }],
        },
      ],
    });
    // Byte 0 is not compared with the level's TDX component 0 (3) when a module identity applies;
    // component 1 is the module's major version and must equal TEE_TCB_SVN[1].
    const levels = [{ sgx: 5, pceSvn: 11, tdx: [3, 1, 5], status: 'UpToDate' }];
    const report = await verifyTdxQuote(q, {
      at: AT,
      collateral: intel.collateral({ levels, tcbExtra: identity('UpToDate') }),
    });
    expect(report.claims).toMatchObject({ tcbStatus: 'UpToDate', tdxModuleTcbStatus: 'UpToDate' });
    expect(
      await verdict(q, { collateral: intel.collateral({ levels, tcbExtra: identity('OutOfDate') }) }),
    ).toBe('ATTESTATION_TCB @ tdx.tcb.module.status');
    expect(await verdict(q, { collateral: intel.collateral({ levels }) })).toBe(
      'ATTESTATION_TCB @ tdx.tcbInfo.tdxModuleIdentity',
    );
    // A level for module version 0 does not describe a TD on module version 1.
    expect(await verdict(q, { collateral: intel.collateral({ tcbExtra: identity('UpToDate') }) })).toBe(
      'ATTESTATION_COLLATERAL_MISMATCH @ tdx.tcb.level.moduleVersion',
    );
  });

  test('collateral signed by a key that is not the TCB Signing certificate is refused', async () => {
    const c = intel.collateral();
    const impostor = mockIntel();
    const forged = { ...c, tcbInfo: impostor.collateral().tcbInfo! };
    expect(await verdict(quote, { collateral: forged })).toBe(
      'ATTESTATION_BAD_SIGNATURE @ tdx.tcbInfo.signature',
    );
  });

  const runs = Math.ceil(Number(process.env['BLINDBOX_MUTATION_RUNS'] ?? 10_000) / 5);
  test(`property: ${runs} byte flips, truncations and extensions of a quote accepted with full collateral are all rejected`, async () => {
    const collateral = intel.collateral();
    await verifyTdxQuote(quote, { at: AT, collateral });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ flip: fc.nat(quote.length * 8 - 1) }),
          fc.record({ keep: fc.nat(quote.length - 1) }),
          fc.record({ extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
        ),
        async (m) => {
          let mutated = quote.slice();
          if ('flip' in m) mutated[m.flip >> 3]! ^= 1 << (m.flip & 7);
          else if ('keep' in m) mutated = mutated.slice(0, m.keep);
          else mutated = new Uint8Array([...quote, ...m.extra]);
          fc.pre(!equalBytes(mutated, quote));
          const outcome = await verdict(mutated, { collateral });
          expect(outcome, JSON.stringify(m)).not.toBe('accept');
        },
      ),
      { numRuns: runs, seed: Number(process.env['BLINDBOX_SEED'] ?? Date.now() % 2 ** 31) },
    );
  });
});
