import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningLogServer, startLogServer } from '@blindbox/log-server';
import { loadSimRoot, type SimulatedEnclave, startSimulatedEnclave } from '@blindbox/runtime/simulator';
import { generateKeyFile, signRelease } from '@blindbox/transparency';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium } from '../../../tooling/headless-chromium.js';
import { repoRoot } from './build-hello.js';
import { buildTranscriber, speak, type TranscriberBuild } from './transcriber-project.js';
import { startRequestLog } from './transcriber-request-log.js';

const NOTE =
  'The patient reports chest pain since this morning. She denies fever. Call her back at five five five one two three four.';
const CALL_PATH = '/.well-known/blindbox/v1/call';
const ATTEST_PATH = '/.well-known/blindbox/v1/attest';

/** A port nobody listens on now (the page's origin must be known before the enclave starts: CORS). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

/** The template's own `npm run web` (scripts/serve-web.mjs), pointed at `enclave`. */
async function servePage(project: string, port: number, enclave: string, simRoot: string) {
  const child = spawn(process.execPath, ['scripts/serve-web.mjs'], {
    cwd: project,
    env: { ...process.env, WEB_PORT: String(port), BLINDBOX_URL: enclave, BLINDBOX_SIM_ROOT: simRoot },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('page: ') && resolve());
    child.once('exit', (code) => reject(new Error(`serve-web exited with ${code}`)));
  });
  return child;
}

const skip = !existsSync(CHROMIUM) && process.env.CI === undefined;

describe.skipIf(skip)('the transcriber page in Chromium: it verifies before it uploads', () => {
  const work = mkdtempSync(join(tmpdir(), 'bb-transcriber-page-'));
  const simRootDir = join(work, 'sim-root');
  const stops: (() => Promise<unknown> | unknown)[] = [];
  let genuine: TranscriberBuild;
  let rogue: TranscriberBuild;
  let log: RunningLogServer;
  let browser: Browser;
  let goodLog: Awaited<ReturnType<typeof startRequestLog>>;
  let rogueLog: Awaited<ReturnType<typeof startRequestLog>>;
  let goodPage: string;
  let roguePage: string;
  let logIndex: number;

  beforeAll(async () => {
    genuine = buildTranscriber('transcriber-page');
    // The vendor's operator deploys a build that also writes what it hears to the host's log.
    rogue = buildTranscriber('transcriber-page-rogue', (s) =>
      s.replace(
        'const heard = await this.#engine.transcribe(',
        "process.stderr.write('exfiltrating the voice note\\n');\n    const heard = await this.#engine.transcribe(",
      ),
    );
    expect(rogue.measurements.simulated).not.toBe(genuine.measurements.simulated);

    // The genuine release, signed with the vendor's key into a transparency log; the rogue server
    // offers that same bundle, as an impostor would.
    log = await startLogServer({ dataDir: join(work, 'log') });
    stops.push(() => log.close());
    const keys = await generateKeyFile(join(work, 'release.key'));
    const statement = JSON.parse(readFileSync(join(genuine.outDir, 'release.json'), 'utf8'));
    const bundle = await signRelease(statement, {
      signer: { kind: 'key', keyFile: keys.privateKeyPath },
      log: { url: log.url },
    });
    // Proto3 JSON leaves out a zero `logIndex` (the first entry of a fresh log).
    logIndex = Number(bundle.verificationMaterial?.tlogEntries?.[0]?.logIndex ?? 0);
    expect(Number.isInteger(logIndex)).toBe(true);
    const releaseFile = join(work, 'release.sigstore.json');
    writeFileSync(releaseFile, JSON.stringify(bundle));

    const [goodPort, roguePort] = [await freePort(), await freePort()];
    goodPage = `http://127.0.0.1:${goodPort}`;
    roguePage = `http://127.0.0.1:${roguePort}`;
    const serve = async (build: TranscriberBuild, origin: string): Promise<SimulatedEnclave> => {
      const enclave = await startSimulatedEnclave({
        imageDir: join(build.outDir, 'image'),
        simRootDir,
        port: 0,
        stdio: 'ignore',
        releaseFile,
        env: { BLINDBOX_CORS_ORIGINS: origin },
      });
      stops.push(() => enclave.stop());
      return enclave;
    };
    const good = await serve(genuine, goodPage);
    const bad = await serve(rogue, roguePage);
    expect(bad.isolation).toBe('runc');
    goodLog = await startRequestLog(good.url);
    rogueLog = await startRequestLog(bad.url);
    stops.push(goodLog.close, rogueLog.close);
    const root = loadSimRoot(simRootDir).publicKey;
    // Both pages are the genuine build's: the same files, pointed at the two servers.
    for (const [port, url] of [
      [goodPort, goodLog.url],
      [roguePort, rogueLog.url],
    ] as const) {
      const child: ChildProcess = await servePage(genuine.dir, port, url, root);
      stops.push(() => child.kill());
    }
    browser = await launchChromium();
    stops.push(() => browser.close());
  }, 300_000);

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  const open = async (url: string): Promise<Page> => {
    const tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await tab.goto(url);
    await tab.waitForSelector('#verdict:not([data-state="pending"])', { timeout: 30_000 });
    return tab;
  };

  it('shows the verification report, then seals a picked voice note and shows its transcript', async () => {
    const tab = await open(goodPage);
    expect(await tab.getAttribute('#verdict', 'data-state')).toBe('ok');
    const summary = await tab.textContent('#summary');
    expect(summary).toContain('simulated');
    expect(summary).toContain(genuine.measurements.simulated);
    expect(summary).toContain(`transcriber@0.1.0 (${genuine.measurements['oci.imageDigest']})`);
    expect(summary).toContain(`index ${logIndex}`);
    const marks = await tab.$$eval('#checks tr', (rows) => rows.map((r) => (r as HTMLElement).dataset['ok']));
    expect(marks.length).toBeGreaterThanOrEqual(5);
    expect(marks.every((ok) => ok === 'true')).toBe(true);
    const names = await tab.$$eval('#checks td.name', (cells) => cells.map((c) => c.textContent));
    expect(names).toEqual(
      expect.arrayContaining(['release.simulated', 'release.logEntry.subject', 'session.measurement']),
    );
    // Before a file is picked nothing but attestation reached the server.
    expect(goodLog.seen.every((r) => r === `POST ${ATTEST_PATH}` || r.startsWith('OPTIONS '))).toBe(true);

    const wav = join(work, 'note.wav');
    writeFileSync(wav, speak(NOTE));
    await tab.setInputFiles('#audio', wav);
    await tab.click('#send');
    await tab.waitForSelector('body[data-transcribed="true"]', { timeout: 120_000 });
    const transcript = (await tab.textContent('#transcript')) ?? '';
    // Pocketsphinx on synthetic speech is rough (README: WER 0.6), but it hears words, and the
    // redaction (on by default in the page) removed the phone number.
    expect(transcript.split(/\s+/).length).toBeGreaterThanOrEqual(5);
    expect(transcript).not.toMatch(
      /\b(five|one|two|three|four)\s+(five|one|two|three|four)\s+(five|one|two|three|four)\b/,
    );
    expect(await tab.textContent('#send-status')).toMatch(/s of audio transcribed/);
    expect(goodLog.seen).toContain(`POST ${CALL_PATH}`);
    const shots = join(repoRoot, 'test', 'e2e', '.out');
    mkdirSync(shots, { recursive: true });
    await tab.screenshot({ path: join(shots, 'transcriber-page.png'), fullPage: true });
    // `BLINDBOX_UPDATE_SCREENSHOT=1` refreshes the quick tour's picture.
    if (process.env.BLINDBOX_UPDATE_SCREENSHOT === '1')
      await tab.screenshot({
        path: join(repoRoot, 'docs', 'images', 'transcriber-page.png'),
        fullPage: true,
      });
    await tab.close();
  }, 180_000);

  it('refuses a server with another measurement, names the failed check, and sends nothing', async () => {
    const tab = await open(roguePage);
    expect(await tab.getAttribute('#verdict', 'data-state')).toBe('refused');
    expect(await tab.textContent('#verdict')).toContain('check release.simulated failed');
    expect(await tab.textContent('#failed-check td.name')).toBe('release.simulated');
    expect(await tab.textContent('#failed-check')).toContain(rogue.measurements.simulated);
    expect(await tab.$eval('#send-form', (f) => (f as HTMLFieldSetElement).disabled)).toBe(true);
    expect(await tab.getAttribute('body', 'data-refused')).toBe('CLIENT_MEASUREMENT_NOT_ACCEPTED');
    // The evidence itself verified (the rogue server is a real simulated enclave): only the release check failed.
    const failed = await tab.$$eval('#checks tr[data-ok="false"] td.name', (cells) =>
      cells.map((c) => c.textContent),
    );
    expect(failed).toEqual(['release.simulated']);
    // The server's request log: attestation only, no call, so no audio left the browser.
    expect(rogueLog.seen.length).toBeGreaterThan(0);
    expect(rogueLog.seen.filter((r) => r.includes(CALL_PATH))).toEqual([]);
    await tab.close();
  }, 60_000);
});
