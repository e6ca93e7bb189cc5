import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AttestationError } from '../src/attestation-error.js';
import { fetchTdxCollateral, tdxCollateralTarget } from '../src/tdx/fetch-tdx-collateral.js';
import { verifyTdxQuote } from '../src/tdx/verify-tdx-quote.js';
import { TDX_AT, tdxCollateral, tdxQuote } from './tdx-vectors.js';
import { VECTORS } from './vectors.js';

const file = (name: string) => readFileSync(join(VECTORS, 'tdx/spr', name));

/** A PCS on loopback serving the recorded responses, issuer chains URL-encoded in headers as Intel sends them. */
function pcs(requests: string[]): Server {
  return createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chain = (name: string) => encodeURIComponent(file(name).toString('utf8'));
    if (url.pathname === '/tdx/certification/v4/tcb' && url.searchParams.get('fmspc') === '50806f000000') {
      res
        .writeHead(200, { 'TCB-Info-Issuer-Chain': chain('tcbinfo_issuer_chain.pem') })
        .end(file('sample_tcbInfo_response'));
    } else if (url.pathname === '/tdx/certification/v4/qe/identity') {
      res
        .writeHead(200, { 'SGX-Enclave-Identity-Issuer-Chain': chain('qeidentity_issuer_chain.pem') })
        .end(file('sample_qeIdentity_response'));
    } else if (url.pathname === '/sgx/certification/v4/pckcrl' && url.searchParams.get('ca') === 'platform') {
      res
        .writeHead(200, { 'SGX-PCK-CRL-Issuer-Chain': chain('pckcrl_issuer_chain.pem') })
        .end(file('pckcrl'));
    } else if (url.pathname === '/IntelSGXRootCA.der') {
      res.writeHead(200).end(file('rootcrl.der'));
    } else {
      res.writeHead(404).end();
    }
  });
}

describe('fetchTdxCollateral (a PCS on loopback serving the recorded responses)', () => {
  const requests: string[] = [];
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = pcs(requests);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  test("reads FMSPC and CA from the quote's PCK and fetches exactly the collateral the verifier takes", async () => {
    const target = tdxCollateralTarget(tdxQuote());
    expect(target).toEqual({ fmspc: '50806f000000', ca: 'platform' });
    const fetched = await fetchTdxCollateral(target, {
      fetch,
      baseUrl: base,
      rootCrlUrl: `${base}/IntelSGXRootCA.der`,
    });
    const recorded = tdxCollateral();
    expect(fetched.tcbInfo).toBe(recorded.tcbInfo);
    expect(fetched.qeIdentityIssuerChain).toBe(recorded.qeIdentityIssuerChain);
    expect(fetched.pckCrl).toEqual(recorded.pckCrl);
    expect(fetched.rootCrl).toEqual(recorded.rootCrl);
    expect(requests.sort()).toEqual([
      '/IntelSGXRootCA.der',
      '/sgx/certification/v4/pckcrl?ca=platform&encoding=der',
      '/tdx/certification/v4/qe/identity',
      '/tdx/certification/v4/tcb?fmspc=50806f000000',
    ]);
    // The verifier treats fetched collateral like any other: with this vector, refused at the TCB level.
    const e = await verifyTdxQuote(tdxQuote(), { at: TDX_AT, collateral: fetched }).catch(
      (err: unknown) => err,
    );
    expect((e as AttestationError).checks.at(-1)?.name).toBe('tdx.tcb.level');
  });

  test('an unknown FMSPC or an unreachable PCS is ATTESTATION_MISSING_COLLATERAL; a bad FMSPC a policy error', async () => {
    await expect(
      fetchTdxCollateral({ fmspc: '00906ed50000', ca: 'platform' }, { fetch, baseUrl: base }),
    ).rejects.toMatchObject({
      code: 'ATTESTATION_MISSING_COLLATERAL',
    });
    await expect(
      fetchTdxCollateral({ fmspc: '50806f000000', ca: 'platform' }, { fetch, baseUrl: 'http://127.0.0.1:9' }),
    ).rejects.toMatchObject({ code: 'ATTESTATION_MISSING_COLLATERAL' });
    await expect(
      fetchTdxCollateral({ fmspc: '../x', ca: 'platform' }, { fetch, baseUrl: base }),
    ).rejects.toMatchObject({
      code: 'ATTESTATION_POLICY',
    });
  });
});
