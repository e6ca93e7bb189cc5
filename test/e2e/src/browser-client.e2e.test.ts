import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildResult } from '@blindbox/builder';
import { loadSimRoot, type SimulatedEnclave, startSimulatedEnclave } from '@blindbox/runtime/simulator';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium } from '../../../tooling/headless-chromium.js';
import { buildHello } from './build-hello.js';

/** The page's script: the generated client, as a hospital's web page would use it. */
const entry = (clientPath: string) => `
import { connect } from ${JSON.stringify(clientPath)};
const params = new URLSearchParams(location.search);
const out = {};
try {
  const hello = await connect(params.get('enclave'), { allowSimulated: true, simulatorRoots: [params.get('root')] });
  out.platform = hello.session.report.platform;
  out.measurement = hello.session.report.measurement;
  out.greet = await hello.greet({ name: 'Browser', language: 'fr' });
  out.digest = await hello.digest({ data: new Uint8Array([1, 2, 3]) });
  try { await hello.greet({ name: ' ' }); } catch (err) { out.error = { name: err.name, code: err.code }; }
  try {
    await connect(params.get('enclave'), { simulatorRoots: [params.get('root')] });
  } catch (err) { out.strict = err.code; }
} catch (err) {
  out.failed = { code: err.code, message: err.message };
}
window.__result = out;
`;

// Skipped only outside CI when no Chromium is installed; CI installs the Debian package.
describe.skipIf(!existsSync(CHROMIUM) && process.env.CI === undefined)(
  'the generated client in headless Chromium, against a simulated enclave on another origin (CORS)',
  () => {
    let result: BuildResult;
    let enclave: SimulatedEnclave;
    let page: Server;
    let browser: Browser;
    let pageOrigin: string;
    const simRootDir = mkdtempSync(join(tmpdir(), 'bb-browser-root-'));

    beforeAll(async () => {
      result = await buildHello('browser');
      const dir = mkdtempSync(join(tmpdir(), 'bb-browser-page-'));
      writeFileSync(join(dir, 'entry.mjs'), entry(join(result.clientDir, 'dist', 'index.js')));
      const bundle = await build({
        entryPoints: [join(dir, 'entry.mjs')],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
        // The signed-release policy's verifier is Node-only and loaded on demand; pinned clients never load it.
        external: ['@blindbox/transparency'],
        nodePaths: [
          join(import.meta.dirname, '..', 'node_modules'),
          join(import.meta.dirname, '../../../node_modules'),
        ],
      });
      const js = bundle.outputFiles[0]?.text ?? '';
      page = createServer((req, res) => {
        if (req.url?.startsWith('/app.js')) res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
        else if (req.url?.startsWith('/?') || req.url === '/') {
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end('<!doctype html><meta charset="utf-8"><script type="module" src="/app.js"></script>');
        } else res.writeHead(404).end();
      });
      await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
      pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
      enclave = await startSimulatedEnclave({
        imageDir: join(result.outDir, 'image'),
        simRootDir,
        port: 0,
        stdio: 'ignore',
        env: { BLINDBOX_CORS_ORIGINS: pageOrigin },
      });
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await enclave?.stop();
      await new Promise((r) => page?.close(r));
    });

    it('attests, verifies and makes sealed calls from the browser', async () => {
      const tab = await browser.newPage();
      const root = loadSimRoot(simRootDir).publicKey;
      await tab.goto(
        `${pageOrigin}/?enclave=${encodeURIComponent(enclave.url)}&root=${encodeURIComponent(root)}`,
      );
      await tab.waitForFunction(
        () => (window as unknown as { __result?: unknown }).__result !== undefined,
        null,
        {
          timeout: 30_000,
        },
      );
      const out = await tab.evaluate(
        () => (window as unknown as { __result: Record<string, unknown> }).__result,
      );
      expect(out.failed).toBeUndefined();
      expect(out).toMatchObject({
        platform: 'simulated',
        measurement: result.measurements.simulated,
        greet: { message: 'Bonjour, Browser!' },
        digest: { size: 3 },
        error: { name: 'RemoteError', code: 'EMPTY_NAME' },
        strict: 'ATTESTATION_SIMULATED_NOT_ALLOWED',
      });
    });
  },
);
