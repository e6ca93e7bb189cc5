import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLogServer } from '@blindbox/log-server';
import { exactSan, fetchLogTrustedRoot, verifyReleaseBundle } from '@blindbox/transparency';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeIdentityToken, startMockFulcio } from '../../log-server/test/mock-fulcio.js';
import { UsageError } from '../src/base-command.js';
import { identityFromFlags } from '../src/release/pin-signer-identity.js';
import { publishBuild } from '../src/release/publish-build.js';
import { runCli, startCli } from './run-cli.js';

const BUILT = fileURLToPath(new URL('../dist/commands/publish.js', import.meta.url));

const statement = (digest: string, version: string) => ({
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'hello', digest: { sha256: digest } }],
  predicateType: 'https://blindbox.dev/release/v1',
  predicate: { app: 'hello', version, measurements: { 'oci.imageDigest': `sha256:${digest}` } },
});

describe('publish and release-verify helpers', () => {
  it('publishBuild refuses a folder without release.json (usage, exit 2)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blindbox-publish-'));
    await expect(
      publishBuild(dir, { key: join(dir, 'k'), log: 'http://127.0.0.1:1' }),
    ).rejects.toBeInstanceOf(UsageError);
    await rm(dir, { recursive: true, force: true });
  });
  it('publishBuild --keyless takes the OIDC token from SIGSTORE_ID_TOKEN (mock Fulcio)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blindbox-publish-keyless-'));
    const log = await startLogServer({ dataDir: join(dir, 'log') });
    const fulcio = await startMockFulcio();
    const san = 'https://github.com/acme/hello/.github/workflows/release.yml@refs/heads/main';
    const issuer = 'https://token.actions.githubusercontent.com';
    const saved = process.env['SIGSTORE_ID_TOKEN'];
    process.env['SIGSTORE_ID_TOKEN'] = fakeIdentityToken({ sub: san, iss: issuer });
    try {
      await writeFile(join(dir, 'release.json'), JSON.stringify(statement('c'.repeat(64), '3.0.0')));
      const result = await publishBuild(dir, { keyless: true, log: log.url, fulcio: fulcio.url });
      expect(result).toMatchObject({ ok: true, version: '3.0.0', subject: 'c'.repeat(64) });
      const bundle = JSON.parse(await readFile(result.bundle, 'utf8'));
      const trustedRoot = {
        ...(await fetchLogTrustedRoot(log.url)),
        certificateAuthorities: [
          {
            certChain: { certificates: [{ rawBytes: fulcio.caDerBase64 }] },
            validFor: { start: '2000-01-01T00:00:00Z' },
          },
        ],
      };
      const release = await verifyReleaseBundle(bundle, {
        trustedRoot,
        identity: { kind: 'keyless', san: exactSan(san), issuer },
        insecureSkipCertificateTransparency: true,
      });
      expect(release.signer).toBe(san);
    } finally {
      if (saved === undefined) delete process.env['SIGSTORE_ID_TOKEN'];
      else process.env['SIGSTORE_ID_TOKEN'] = saved;
      await log.close();
      await fulcio.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('identityFromFlags needs exactly one pinned signer', async () => {
    await expect(identityFromFlags({})).rejects.toBeInstanceOf(UsageError);
    await expect(identityFromFlags({ identity: 'x' })).rejects.toBeInstanceOf(UsageError);
    await expect(identityFromFlags({ key: 'a', identity: 'x', issuer: 'y' })).rejects.toBeInstanceOf(
      UsageError,
    );
    expect(await identityFromFlags({ identity: 'x', issuer: 'y' })).toEqual({
      kind: 'keyless',
      san: 'x',
      issuer: 'y',
    });
  });
});

describe.skipIf(!existsSync(BUILT) && process.env['CI'] === undefined)(
  'blindbox keys / publish / log / release (child process)',
  () => {
    let dir: string;
    let log: Awaited<ReturnType<typeof startCli>>;
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'blindbox-tlog-cli-'));
      log = await startCli(['log', 'serve', '--data', join(dir, 'log'), '--port', '0', '--json']);
    });
    afterAll(async () => {
      await log?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    // a dozen CLI start-ups, each importing every command (no manifest in the workspace): slow on a busy machine
    it('generates a key, publishes a build, pins the log, verifies and monitors', {
      timeout: 120_000,
    }, async () => {
      const key = join(dir, 'release.key');
      const gen = runCli(['keys', 'generate', '--out', key, '--json']);
      expect(gen.status).toBe(0);
      expect(((await stat(key)).mode & 0o777).toString(8)).toBe('600');
      expect(runCli(['keys', 'generate', '--out', key]).status).toBe(2);

      const build = join(dir, 'build');
      await mkdir(build);
      await writeFile(join(build, 'release.json'), JSON.stringify(statement(a, '1.0.0')));
      const pub = runCli(['publish', build, '--key', key, '--log', log.info['url'] as string, '--json']);
      expect(pub.status, pub.stderr).toBe(0);
      expect(JSON.parse(pub.stdout)).toMatchObject({ ok: true, logIndex: 0, app: 'hello', version: '1.0.0' });
      expect(existsSync(join(build, 'release.sigstore.json'))).toBe(true);

      const root = runCli(['log', 'trusted-root', '--log', log.info['url'] as string]);
      expect(root.status).toBe(0);
      expect(JSON.parse(root.stdout).mediaType).toBe(
        'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      );
      const rootFile = join(dir, 'trusted-root.json');
      await writeFile(rootFile, root.stdout);

      const bundle = join(build, 'release.sigstore.json');
      const ok = runCli([
        'release',
        'verify',
        bundle,
        '--key',
        `${key}.pub`,
        '--trusted-root',
        rootFile,
        '--json',
      ]);
      expect(ok.status, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, version: '1.0.0', subject: a });

      // a tampered bundle: verdict "no", exit 1, typed code in the JSON
      const tampered = JSON.parse(await readFile(bundle, 'utf8'));
      tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement(b, '1.0.0'))).toString('base64');
      await writeFile(join(dir, 'tampered.json'), JSON.stringify(tampered));
      const bad = runCli([
        'release',
        'verify',
        join(dir, 'tampered.json'),
        '--key',
        `${key}.pub`,
        '--trusted-root',
        rootFile,
        '--json',
      ]);
      expect(bad.status).toBe(1);
      expect(JSON.parse(bad.stdout).error.code).toBe('TRANSPARENCY_BAD_SIGNATURE');
      // no pinned signer: usage, exit 2
      expect(runCli(['release', 'verify', bundle, '--trusted-root', rootFile]).status).toBe(2);
      // no pinned log key: usage, exit 2, unless the caller says it accepts fetching it now
      const logArgs = ['--key', `${key}.pub`, '--log', log.info['url'] as string];
      expect(runCli(['release', 'verify', bundle, ...logArgs]).status).toBe(2);
      expect(runCli(['release', 'verify', bundle, ...logArgs, '--insecure-fetch-log-key']).status).toBe(0);

      // monitor: the one release is expected; a second, unexpected one makes it exit 1
      const monitorArgs = [
        'log',
        'monitor',
        '--log',
        log.info['url'] as string,
        '--key',
        `${key}.pub`,
        '--trusted-root',
        rootFile,
      ];
      expect(runCli([...monitorArgs, '--expect', `sha256:${a}`]).status).toBe(0);
      await writeFile(join(build, 'release.json'), JSON.stringify(statement(b, '6.6.6')));
      expect(runCli(['publish', build, '--key', key, '--log', log.info['url'] as string]).status).toBe(0);
      const surprise = runCli([...monitorArgs, '--expect', a, '--json']);
      expect(surprise.status).toBe(1);
      expect(JSON.parse(surprise.stdout).unexpected.map((r: { version: string }) => r.version)).toEqual([
        '6.6.6',
      ]);
    });
  },
);
