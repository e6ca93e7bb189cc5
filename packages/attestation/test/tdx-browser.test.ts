import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { base64Encode, utf8Encode } from '@blindbox/bytes';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, launchChromium } from '../../../tooling/headless-chromium.js';
import { canonicalPem } from '../src/tdx/decode-pck-chain.js';
import { decodePemCertificates } from '../src/x509/parse-certificate.js';
import { runTdxCase, type TdxCase } from './tdx-browser-entry.js';
import {
  pckChainPem,
  TDX_AT,
  TDX_OFFSETS,
  tdxCollateral,
  tdxQuote,
  tdxQuoteFile,
  withPckChain,
} from './tdx-vectors.js';
import { vectorText } from './vectors.js';

const quote = tdxQuote();
const c = tdxCollateral();
const envelope: Record<string, string> = {
  tcbInfo: c.tcbInfo!,
  tcbInfoIssuerChain: c.tcbInfoIssuerChain!,
  qeIdentity: c.qeIdentity!,
  qeIdentityIssuerChain: c.qeIdentityIssuerChain!,
  pckCrl: base64Encode(c.pckCrl as Uint8Array),
  pckCrlIssuerChain: c.pckCrlIssuerChain!,
  rootCrl: base64Encode(c.rootCrl as Uint8Array),
};
const at = TDX_AT.toISOString();
const flipped = quote.slice();
flipped[TDX_OFFSETS.mrTd]! ^= 0x01;
const [pck, ca] = pckChainPem(quote);
const otherRoot = canonicalPem(decodePemCertificates(vectorText('nitro/aws_nitro_root.pem'))[0]!);
const wrongRoot = withPckChain(quote, utf8Encode(`${pck}${ca}${otherRoot}`));

const CASES: (TdxCase & { verdict: string })[] = [
  {
    name: 'quote and PCK chain at capture time',
    evidence: base64Encode(quote),
    at,
    tdx: { noCollateral: true },
    verdict: 'accept',
  },
  {
    name: 'PCK expired (2030)',
    evidence: base64Encode(quote),
    at: '2030-01-01T00:00:00Z',
    tdx: { noCollateral: true },
    verdict: 'ATTESTATION_CERT_EXPIRED',
  },
  {
    name: 'one bit flipped in MRTD',
    evidence: base64Encode(flipped),
    at,
    tdx: { noCollateral: true },
    verdict: 'ATTESTATION_BAD_SIGNATURE',
  },
  {
    name: 'chain to another root',
    evidence: base64Encode(wrongRoot),
    at,
    tdx: { noCollateral: true },
    verdict: 'ATTESTATION_UNTRUSTED_ROOT',
  },
  {
    name: 'file with trailing bytes',
    evidence: base64Encode(tdxQuoteFile()),
    at,
    tdx: { noCollateral: true },
    verdict: 'ATTESTATION_MALFORMED_EVIDENCE',
  },
  {
    name: 'no collateral given',
    evidence: base64Encode(quote),
    at,
    verdict: 'ATTESTATION_MISSING_COLLATERAL',
  },
  {
    name: "Intel's collateral at capture time",
    evidence: base64Encode(quote),
    collateral: envelope,
    at,
    verdict: 'ATTESTATION_TCB',
  },
  {
    name: 'collateral expired (2023-08-01)',
    evidence: base64Encode(quote),
    collateral: envelope,
    at: '2023-08-01T00:00:00Z',
    verdict: 'ATTESTATION_COLLATERAL_EXPIRED',
  },
];

// Skipped only outside CI when no Chromium is installed; CI installs the Debian package.
describe.skipIf(!existsSync(CHROMIUM) && process.env['CI'] === undefined)(
  'TDX in headless Chromium (bundled with esbuild, platform browser)',
  () => {
    let server: Server;
    let browser: Browser;
    let origin: string;

    beforeAll(async () => {
      const bundle = await build({
        entryPoints: [fileURLToPath(new URL('./tdx-browser-entry.ts', import.meta.url))],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      const js = bundle.outputFiles[0]!.text;
      // Pure TypeScript on WebCrypto: no WebAssembly, no Node built-ins (esbuild would refuse those).
      expect(js).not.toMatch(/WebAssembly|node:crypto|require\("/);
      const html =
        '<!doctype html><meta charset="utf-8"><title>tdx</title><script type="module" src="/tdx.js"></script>';
      server = createServer((req, res) => {
        if (req.url === '/tdx.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
        else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => server?.close(resolve));
    });

    test('the same verdicts as in Node on the TDX vectors', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => 'blindboxVerifyTdx' in globalThis);
      const verdicts: string[] = [];
      for (const { verdict: _v, ...tc } of CASES) {
        const inBrowser = await page.evaluate(
          (arg) =>
            (
              globalThis as unknown as { blindboxVerifyTdx: (c: unknown) => Promise<unknown> }
            ).blindboxVerifyTdx(arg),
          tc,
        );
        const inNode = await runTdxCase(tc);
        expect(inBrowser, tc.name).toEqual(inNode);
        verdicts.push(inNode['ok'] === true ? 'accept' : String(inNode['code']));
      }
      expect(verdicts).toEqual(CASES.map((k) => k.verdict));
      expect(errors).toEqual([]);
      await page.close();
    });
  },
);
