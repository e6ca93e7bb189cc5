import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, launchChromium } from '../../../tooling/headless-chromium.js';
import { parseRim } from '../src/nvidia-gpu/parse-rim.js';
import { parseSpdmMeasurements } from '../src/nvidia-gpu/parse-spdm-measurements.js';
import { decodePemCertificates, parseCertificate } from '../src/x509/parse-certificate.js';
import { certificateFingerprint } from '../src/x509/verify-certificate-chain.js';
import { type GpuCase, verdict } from './nvidia-gpu-browser-entry.js';
import { gpu, resignRim, setMeasurement } from './nvidia-gpu-fixtures.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function cases(): Promise<GpuCase[]> {
  const report = gpu.report();
  const base = {
    reportHex: hex(report),
    chain: gpu.chain(),
    nonceHex: gpu.nonce,
    at: gpu.rimTime.toISOString(),
  };
  const flipped = report.slice();
  flipped[200]! ^= 0x10;
  const spdm = parseSpdmMeasurements(report);
  const value = (i: number) => hex(spdm.blocks.find((b) => b.index === i + 1)!.value);
  const matching = (xml: string, version: string) => {
    let out = xml.replace(/colloquialVersion="[^"]*"/, `colloquialVersion="${version}"`);
    for (const m of parseRim(xml, 'driver').measurements.values())
      if (m.active) out = setMeasurement(out, m.index, value(m.index));
    return out;
  };
  const testRoot = certificateFingerprint(parseCertificate(decodePemCertificates(gpu.testRimRoot)[0]!));
  const driverRim = await resignRim(gpu.driverRim(), (x) => matching(x, '550.90.07'));
  const vbiosRim = await resignRim(gpu.vbiosRim(), (x) => matching(x, '96.00.9F.00.01'));
  return [
    { name: 'sample, no RIMs', ...base, noRims: true },
    { name: 'flipped bit', ...base, reportHex: hex(flipped), noRims: true },
    { name: 'other nonce', ...base, nonceHex: `00${gpu.nonce.slice(2)}`, noRims: true },
    { name: 'NVIDIA sample RIMs', ...base, driverRim: gpu.driverRim(), vbiosRim: gpu.vbiosRim() },
    {
      name: 'tampered RIM',
      ...base,
      driverRim: gpu.driverRim().replace('Hash0="0e0ee161', 'Hash0="1e0ee161'),
      vbiosRim: gpu.vbiosRim(),
    },
    {
      name: 'matching RIMs (test-only CA)',
      ...base,
      at: new Date().toISOString(),
      driverRim,
      vbiosRim,
      rimRootSha256: [testRoot],
    },
  ];
}

// Skipped only outside CI when no Chromium is installed; CI installs the Debian package.
describe.skipIf(!existsSync(CHROMIUM) && process.env['CI'] === undefined)(
  'NVIDIA GPU evidence in headless Chromium',
  () => {
    let server: Server;
    let browser: Browser;
    let origin: string;

    beforeAll(async () => {
      const bundle = await build({
        entryPoints: [fileURLToPath(new URL('./nvidia-gpu-browser-entry.ts', import.meta.url))],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      const js = bundle.outputFiles[0]!.text;
      expect(js).not.toMatch(/WebAssembly|node:crypto/);
      const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/gpu.js"></script>';
      server = createServer((req, res) => {
        if (req.url === '/gpu.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
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

    test('the same verdicts as in Node', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => 'blindboxGpuVerdict' in globalThis);
      const all = await cases();
      const inNode = await Promise.all(all.map(verdict));
      for (const [i, c] of all.entries()) {
        const inBrowser = await page.evaluate(
          (arg) =>
            (
              globalThis as unknown as { blindboxGpuVerdict: (c: unknown) => Promise<unknown> }
            ).blindboxGpuVerdict(arg),
          c,
        );
        expect(inBrowser, c.name).toEqual(inNode[i]);
      }
      expect(inNode.map((v) => (v['ok'] ? 'accept' : v['code']))).toEqual([
        'accept',
        'ATTESTATION_BAD_SIGNATURE',
        'ATTESTATION_NONCE_MISMATCH',
        'ATTESTATION_GPU_RIM_VERSION_MISMATCH',
        'ATTESTATION_GPU_RIM_SIGNATURE',
        'accept',
      ]);
      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);
  },
);
