import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { base64Encode as bytesToBase64 } from '@blindbox/bytes';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, launchChromium } from '../../../tooling/headless-chromium.js';
import { verifyEvidence } from '../src/verify-evidence.js';
import { expected, hex, vector, vectorText } from './vectors.js';

interface Case {
  name: string;
  platform: 'sev-snp' | 'nitro';
  evidence: string;
  collateral?: Record<string, string>;
  at: string;
  allowDebug?: boolean;
}

const milan = expected['sev-snp/milan-valid']!;
const nitro = expected['nitro/valid']!;
const nitroDebug = expected['nitro/debug']!;
const snpCase = (name: string, report: Uint8Array, at = milan.at): Case => ({
  name,
  platform: 'sev-snp',
  evidence: bytesToBase64(report),
  collateral: {
    vcek: bytesToBase64(vector(milan.files['vcek']!)),
    certChain: vectorText(milan.files['chain']!),
  },
  at,
});
const flipped = hex(vectorText(milan.files['report']!));
flipped[21]! ^= 0x80;

const CASES: Case[] = [
  snpCase('sev-snp/milan-valid', hex(vectorText(milan.files['report']!))),
  snpCase('sev-snp/milan-valid at 2031', hex(vectorText(milan.files['report']!)), '2031-01-01T00:00:00Z'),
  snpCase('sev-snp/milan-valid flipped bit', flipped),
  {
    name: 'nitro/valid',
    platform: 'nitro',
    evidence: bytesToBase64(vector(nitro.files['document']!)),
    at: nitro.at,
  },
  {
    name: 'nitro/valid bad sig',
    platform: 'nitro',
    evidence: bytesToBase64(vector('nitro/valid/document_bad_sig.cbor')),
    at: nitro.at,
  },
  {
    name: 'nitro/debug',
    platform: 'nitro',
    evidence: bytesToBase64(vector(nitroDebug.files['document']!)),
    at: nitroDebug.at,
  },
];

async function inNode(c: Case): Promise<Record<string, unknown>> {
  try {
    const report = await verifyEvidence(
      {
        platform: c.platform,
        evidence: Buffer.from(c.evidence, 'base64'),
        ...(c.collateral ? { collateral: c.collateral } : {}),
      },
      { at: new Date(c.at), allowDebug: c.allowDebug === true },
    );
    return {
      ok: true,
      measurement: report.measurement,
      reportData: report.reportData,
      debug: report.debug,
      checks: report.checks.length,
    };
  } catch (err) {
    const e = err as { code: string; checks: unknown[] };
    return { ok: false, code: e.code, checks: e.checks.length };
  }
}

// Skipped only outside CI when no Chromium is installed; CI installs the Debian package.
describe.skipIf(!existsSync(CHROMIUM) && process.env['CI'] === undefined)(
  'in headless Chromium (bundled with esbuild, platform browser)',
  () => {
    let server: Server;
    let browser: Browser;
    let origin: string;

    beforeAll(async () => {
      const bundle = await build({
        entryPoints: [fileURLToPath(new URL('./browser-entry.ts', import.meta.url))],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      const js = bundle.outputFiles[0]!.text;
      // Pure TypeScript on WebCrypto: no WebAssembly, no Node built-ins (esbuild would refuse those).
      expect(js).not.toMatch(/WebAssembly|node:crypto/);
      const html =
        '<!doctype html><meta charset="utf-8"><title>blindbox attestation</title><script type="module" src="/verifier.js"></script>';
      server = createServer((req, res) => {
        if (req.url === '/verifier.js') {
          res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
        } else if (req.url === '/') {
          res.writeHead(200, { 'content-type': 'text/html' }).end(html);
        } else {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => server?.close(resolve));
    });

    test('the same verdicts as in Node, on SNP and Nitro vectors', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => 'blindboxVerify' in globalThis);
      for (const c of CASES) {
        const inBrowser = await page.evaluate(
          (arg) =>
            (globalThis as unknown as { blindboxVerify: (c: unknown) => Promise<unknown> }).blindboxVerify(
              arg,
            ),
          c,
        );
        expect(inBrowser, c.name).toEqual(await inNode(c));
      }
      const verdicts = await Promise.all(CASES.map(inNode));
      expect(verdicts.map((v) => (v.ok ? 'accept' : v['code']))).toEqual([
        'accept',
        'ATTESTATION_CERT_EXPIRED',
        'ATTESTATION_BAD_SIGNATURE',
        'accept',
        'ATTESTATION_BAD_SIGNATURE',
        'ATTESTATION_DEBUG',
      ]);
      expect(errors).toEqual([]);
      await page.close();
    });
  },
);
