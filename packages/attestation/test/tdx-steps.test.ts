import { hexEncode } from '@blindbox/bytes';
import { describe, expect, test } from 'vitest';
import { AttestationError } from '../src/attestation-error.js';
import { requireNotRevoked } from '../src/tdx/check-crl.js';
import { checkPckChain } from '../src/tdx/check-pck-chain.js';
import { requireAcceptedTcbStatus } from '../src/tdx/check-signed-collateral.js';
import { checkTdAttributes } from '../src/tdx/check-tdx-policy.js';
import { findIsvSvnLevel, findTdxModuleIdentity, findTdxTcbLevel } from '../src/tdx/match-tcb-level.js';
import { crlBytes, parseCrl } from '../src/tdx/parse-crl.js';
import { parseQeIdentity } from '../src/tdx/parse-qe-identity.js';
import { parseTcbInfo, type TdxTcbLevel } from '../src/tdx/parse-tcb-info.js';
import { parseTdxQuote } from '../src/tdx/parse-tdx-quote.js';
import { CheckList } from '../src/verifier/check-list.js';
import { TDX_AT, tdxCollateral, tdxQuote } from './tdx-vectors.js';
import { vector } from './vectors.js';

function thrown(fn: () => unknown): AttestationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AttestationError);
    return err as AttestationError;
  }
  throw new Error('expected a rejection');
}

const level = (sgx: number, pce: number, tdx: number[], status: TdxTcbLevel['tcbStatus']): TdxTcbLevel => ({
  sgxTcbComponents: Array(16).fill(sgx),
  pceSvn: pce,
  tdxTcbComponents: [...tdx, ...Array(16 - tdx.length).fill(0)],
  tcbDate: '2023-01-01T00:00:00.000Z',
  tcbStatus: status,
  advisoryIds: [],
});

const svn = (...bytes: number[]) => new Uint8Array([...bytes, ...Array(16 - bytes.length).fill(0)]);

describe('TDX TCB level matching (Intel TDX DCAP "TCB Info" evaluation)', () => {
  const levels = [level(5, 11, [3, 0, 5], 'UpToDate'), level(2, 5, [2, 0, 3], 'OutOfDate')];

  test('the first level the platform meets on every component wins', () => {
    const platform = (sgx: number, pce: number, tee: Uint8Array) => ({
      sgxTcbComponents: Array(16).fill(sgx),
      pceSvn: pce,
      teeTcbSvn: tee,
    });
    expect(findTdxTcbLevel(levels, platform(5, 11, svn(3, 0, 5)))?.tcbStatus).toBe('UpToDate');
    expect(findTdxTcbLevel(levels, platform(9, 12, svn(4, 0, 6)))?.tcbStatus).toBe('UpToDate');
    // One SGX component, the PCESVN or one TEE_TCB_SVN byte below the newest level: the older one.
    expect(findTdxTcbLevel(levels, platform(4, 11, svn(3, 0, 5)))?.tcbStatus).toBe('OutOfDate');
    expect(findTdxTcbLevel(levels, platform(5, 10, svn(3, 0, 5)))?.tcbStatus).toBe('OutOfDate');
    expect(findTdxTcbLevel(levels, platform(5, 11, svn(3, 0, 4)))?.tcbStatus).toBe('OutOfDate');
    // Below every level: not supported.
    expect(findTdxTcbLevel(levels, platform(1, 11, svn(3, 0, 5)))).toBeUndefined();
    expect(findTdxTcbLevel(levels, platform(5, 11, svn(1, 0, 5)))).toBeUndefined();
  });

  test('with TEE_TCB_SVN[1] > 0 bytes 0 and 1 are left to the module identity', () => {
    const platform = { sgxTcbComponents: Array(16).fill(5), pceSvn: 11, teeTcbSvn: svn(0, 1, 5) };
    expect(findTdxTcbLevel(levels, platform)?.tcbStatus).toBe('UpToDate');
    const identities = [
      {
        id: 'TDX_01',
        mrSigner: new Uint8Array(48),
        attributes: new Uint8Array(8),
        attributesMask: new Uint8Array(8),
        tcbLevels: [],
      },
    ];
    expect(findTdxModuleIdentity(identities, svn(0, 1)).identity?.id).toBe('TDX_01');
    expect(findTdxModuleIdentity(identities, svn(0, 3))).toEqual({ id: 'TDX_03', identity: undefined });
  });

  test('ISVSVN levels: the newest level at or below the ISVSVN, whatever the listed order', () => {
    const qe = [
      { isvSvn: 2, tcbDate: '', tcbStatus: 'OutOfDate' as const, advisoryIds: [] },
      { isvSvn: 4, tcbDate: '', tcbStatus: 'UpToDate' as const, advisoryIds: [] },
    ];
    expect(findIsvSvnLevel(qe, 4)?.tcbStatus).toBe('UpToDate');
    expect(findIsvSvnLevel(qe, 3)?.tcbStatus).toBe('OutOfDate');
    expect(findIsvSvnLevel(qe, 1)).toBeUndefined();
  });

  test('status policy: UpToDate by default, others only when listed, Revoked never', () => {
    const run = (status: TdxTcbLevel['tcbStatus'], accepted?: TdxTcbLevel['tcbStatus'][]) => () =>
      requireAcceptedTcbStatus(
        status,
        ['INTEL-SA-00837'],
        accepted ? { acceptedTcbStatuses: accepted } : {},
        'tdx.tcb.status',
        'TDX platform',
        new CheckList(),
      );
    expect(run('UpToDate')).not.toThrow();
    const e = thrown(run('SWHardeningNeeded'));
    expect(e.code).toBe('ATTESTATION_TCB');
    expect(e.message).toMatch(/SWHardeningNeeded \(advisories INTEL-SA-00837\)/);
    expect(run('SWHardeningNeeded', ['UpToDate', 'SWHardeningNeeded'])).not.toThrow();
    expect(run('OutOfDate', ['UpToDate', 'SWHardeningNeeded', 'OutOfDate'])).not.toThrow();
    expect(thrown(run('Revoked', ['Revoked', 'UpToDate'])).code).toBe('ATTESTATION_TCB');
  });
});

describe('TDX collateral parsers', () => {
  test('the real TCB info and QE identity parse to their fields', () => {
    const c = tdxCollateral();
    const tcb = parseTcbInfo(c.tcbInfo!);
    expect(hexEncode(tcb.fmspc)).toBe('50806f000000');
    expect(tcb.tcbLevels.map((l) => l.tcbStatus)).toEqual(['UpToDate', 'OutOfDate']);
    expect(tcb.tcbLevels[0]!.tdxTcbComponents.slice(0, 3)).toEqual([3, 0, 5]);
    expect(tcb.nextUpdate.toISOString()).toBe('2023-07-18T08:42:58.000Z');
    const qe = parseQeIdentity(c.qeIdentity!);
    expect([qe.isvProdId, qe.miscSelectMask, qe.tcbLevels[0]!.isvSvn]).toEqual([2, 0xffffffff, 4]);
  });

  test.each([
    ['not the PCS shape', '{"tcbInfo":{}}'],
    ['extra member', `{"tcbInfo":{"id":"TDX"},"x":1,"signature":"${'00'.repeat(64)}"}`],
    ['short signature', '{"tcbInfo":{"id":"TDX"},"signature":"00"}'],
    ['SGX TCB info', `{"tcbInfo":{"id":"SGX","version":3},"signature":"${'00'.repeat(64)}"}`],
  ])('TCB info refused: %s', (_what, text) => {
    expect(thrown(() => parseTcbInfo(text)).code).toBe('ATTESTATION_MALFORMED_EVIDENCE');
  });

  test('an unknown TCB status is refused, not treated as any known one', () => {
    const text = tdxCollateral().tcbInfo!.replace('"tcbStatus":"UpToDate"', '"tcbStatus":"Fine"');
    expect(thrown(() => parseTcbInfo(text)).message).toMatch(/unknown TCB status "Fine"/);
  });

  test('CRLs: the real PCK CRL lists 44 serials; a listed serial is revoked', async () => {
    const crl = parseCrl(crlBytes(vector('tdx/spr/pckcrl')));
    expect(crl.revoked.size).toBe(44);
    expect(crl.revoked.has('6fc34e5023e728923435d61aa4b83c618166ad35')).toBe(true);
    const checks = new CheckList();
    const chain = await checkPckChain(parseTdxQuote(tdxQuote()), TDX_AT, checks);
    requireNotRevoked(crl, chain.pck, 'tdx.crl.pck.pck', checks);
    const revoked = {
      ...chain.pck,
      serialNumber: Uint8Array.from(Buffer.from('6fc34e5023e728923435d61aa4b83c618166ad35', 'hex')),
    };
    const e = thrown(() => requireNotRevoked(crl, revoked, 'tdx.crl.pck.pck', new CheckList()));
    expect(e.code).toBe('ATTESTATION_CERT_REVOKED');
    expect(parseCrl(crlBytes(vector('tdx/spr/rootcrl.der'))).revoked.size).toBe(0);
    // The same CRL as hex text (a PCCS's storage form), base64 and PEM: the same DER.
    const der = vector('tdx/spr/rootcrl.der');
    const b64 = Buffer.from(der).toString('base64');
    expect(crlBytes(Buffer.from(der).toString('hex'))).toEqual(der);
    expect(crlBytes(b64)).toEqual(der);
    expect(crlBytes(`-----BEGIN X509 CRL-----\n${b64}\n-----END X509 CRL-----\n`)).toEqual(der);
  });
});

describe('TDX debug attribute', () => {
  test('TDATTRIBUTES bit 0 is refused unless allowDebug', () => {
    const quote = parseTdxQuote(tdxQuote());
    checkTdAttributes(quote, {}, new CheckList());
    const debug = { ...quote, body: { ...quote.body, tdAttributes: quote.body.tdAttributes | 1n } };
    const e = thrown(() => checkTdAttributes(debug, {}, new CheckList()));
    expect([e.code, e.checks.at(-1)?.name]).toEqual(['ATTESTATION_DEBUG', 'tdx.attributes.debug']);
    const checks = new CheckList();
    checkTdAttributes(debug, { allowDebug: true }, checks);
    expect(checks.checks.at(-1)).toMatchObject({ name: 'tdx.attributes.debug', ok: true, found: 'true' });
  });
});

describe('TDX quote layout', () => {
  test('version 5, SGX quotes and other QE vendors are unsupported, not misread', () => {
    const q = tdxQuote();
    const v5 = q.slice();
    v5[0] = 5;
    expect(thrown(() => parseTdxQuote(v5)).code).toBe('ATTESTATION_UNSUPPORTED');
    const sgx = q.slice();
    sgx[4] = 0;
    expect(thrown(() => parseTdxQuote(sgx)).code).toBe('ATTESTATION_UNSUPPORTED');
    const vendor = q.slice();
    vendor[12]! ^= 1;
    expect(thrown(() => parseTdxQuote(vendor)).code).toBe('ATTESTATION_UNSUPPORTED');
  });

  test('every length field must agree with its contents', () => {
    const q = tdxQuote();
    for (const at of [632, 766, 1218, 1254]) {
      const bad = q.slice();
      bad[at]! ^= 1;
      expect(thrown(() => parseTdxQuote(bad)).code).toBe('ATTESTATION_MALFORMED_EVIDENCE');
    }
    for (const keep of [0, 47, 631, 700, 1257, q.length - 1]) {
      expect(thrown(() => parseTdxQuote(q.slice(0, keep))).code).toBe('ATTESTATION_MALFORMED_EVIDENCE');
    }
  });
});
