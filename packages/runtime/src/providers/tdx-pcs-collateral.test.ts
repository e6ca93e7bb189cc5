import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pcsCollateralSource } from './tdx-pcs-collateral.js';

const VECTORS =
  process.env['BLINDBOX_VECTORS'] ?? fileURLToPath(new URL('../../../../vectors/', import.meta.url));
const file = (name: string) => readFileSync(join(VECTORS, 'tdx/spr', name));
const quote = new Uint8Array(file('tdx_prod_quote_SPR_E4.dat')).slice(0, 4935);

describe('pcsCollateralSource (a PCCS on loopback serving the recorded responses)', () => {
  const requests: string[] = [];
  let up = true;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (!up) return void res.writeHead(503).end();
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const chain = (name: string) => encodeURIComponent(file(name).toString('utf8'));
      if (url.pathname === '/tdx/certification/v4/tcb') {
        res
          .writeHead(200, { 'TCB-Info-Issuer-Chain': chain('tcbinfo_issuer_chain.pem') })
          .end(file('sample_tcbInfo_response'));
      } else if (url.pathname === '/tdx/certification/v4/qe/identity') {
        res
          .writeHead(200, { 'SGX-Enclave-Identity-Issuer-Chain': chain('qeidentity_issuer_chain.pem') })
          .end(file('sample_qeIdentity_response'));
      } else if (url.pathname === '/sgx/certification/v4/pckcrl') {
        res
          .writeHead(200, { 'SGX-PCK-CRL-Issuer-Chain': chain('pckcrl_issuer_chain.pem') })
          .end(file('pckcrl'));
      } else if (url.pathname === '/root.crl') {
        res.writeHead(200).end(file('rootcrl.der'));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  test('fetches once per platform within maxAge, refreshes after, and serves the last copy while the PCCS is down', async () => {
    let clock = 0;
    const source = pcsCollateralSource({
      baseUrl: base,
      rootCrlUrl: `${base}/root.crl`,
      maxAgeMs: 1000,
      now: () => clock,
    });
    const first = await source(quote);
    expect(first.tcbInfo).toBe(file('sample_tcbInfo_response').toString('utf8'));
    expect(requests.length).toBe(4);
    await source(quote);
    expect(requests.length).toBe(4); // cached
    clock = 2000;
    await source(quote);
    expect(requests.length).toBe(8); // refreshed
    up = false;
    clock = 4000;
    expect(await source(quote)).toEqual(first); // PCCS down: the last (Intel-signed) copy
    const cold = pcsCollateralSource({ baseUrl: base, rootCrlUrl: `${base}/root.crl` });
    await expect(cold(quote)).rejects.toMatchObject({ code: 'ATTESTATION_MISSING_COLLATERAL' });
    up = true;
  });
});
