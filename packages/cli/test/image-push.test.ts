import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  issuerCertificate,
  registryBinary,
  startRegistry,
  type TestRegistry,
} from '../../builder/test/support/start-registry.js';
import { startTokenServer } from '../../builder/test/support/token-server.js';
import { copyHello, repoRoot, runCli } from './run-cli.js';

const skopeo = '/usr/bin/skopeo';

const skip = !existsSync(registryBinary) && process.env.CI === undefined;
const work = mkdtempSync(join(tmpdir(), 'bb-cli-push-'));
const out = join(work, 'out');
const image = join(out, 'image');
const stops: (() => Promise<void>)[] = [];
let imageDigest: string;
let plain: TestRegistry;

/** The built binary with `input` on stdin and without the caller's registry variables. */
function push(args: string[], input = '', env: Record<string, string> = {}) {
  const { BLINDBOX_REGISTRY_USER: _u, BLINDBOX_REGISTRY_PASSWORD: _p, ...rest } = process.env;
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, 'packages/cli/bin/run.js'), 'image', 'push', ...args],
    {
      encoding: 'utf8',
      input,
      env: { ...rest, ...env },
      timeout: 120_000,
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** As {@link push}, without blocking this process: the token server the test runs must answer. */
async function pushAsync(args: string[], input = '', env: Record<string, string> = {}) {
  const { BLINDBOX_REGISTRY_USER: _u, BLINDBOX_REGISTRY_PASSWORD: _p, ...rest } = process.env;
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'packages/cli/bin/run.js'), 'image', 'push', ...args],
    {
      env: { ...rest, ...env },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdin.end(input);
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, stdout, stderr, json: () => JSON.parse(stdout) };
}

beforeAll(async () => {
  if (skip) return;
  const project = join(work, 'hello');
  copyHello(project);
  const built = runCli(['build', project, '--out', out, '--archive', '--json']);
  expect(built.status, built.stderr).toBe(0);
  imageDigest = JSON.parse(built.stdout).imageDigest;
  plain = await startRegistry();
  stops.push(() => plain.stop());
}, 180_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

describe.skipIf(skip)(
  "blindbox image push (Debian's docker-registry; skipped: /usr/bin/docker-registry absent)",
  () => {
    it('--json names the pushed ref and digest; skopeo inspect agrees; a second push uploads nothing', () => {
      const first = push([image, `${plain.host}/cli/hello`, '--insecure-http', '--json']);
      expect(first.status, first.stderr).toBe(0);
      expect(first.json()).toMatchObject({
        ok: true,
        ref: `${plain.host}/cli/hello:0.1.0`,
        pinnedRef: `${plain.host}/cli/hello@${imageDigest}`,
        manifestDigest: imageDigest,
      });
      expect(first.json().blobs.every((b: { uploaded: boolean }) => b.uploaded)).toBe(true);
      const inspect = spawnSync(
        skopeo,
        ['inspect', '--no-tags', '--tls-verify=false', `docker://${plain.host}/cli/hello:0.1.0`],
        { encoding: 'utf8' },
      );
      expect(inspect.status, inspect.stderr).toBe(0);
      expect(JSON.parse(inspect.stdout).Digest).toBe(imageDigest);
      const again = push([join(out, 'image.tar'), `${plain.host}/cli/hello:again`, '--insecure-http']);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toContain('0 of 4 blobs uploaded');
      expect(again.stderr).toMatch(/exists config/);
    });

    it('exits 1 with IMAGE_INVALID for a layout with a flipped byte, and 2 for usage errors', () => {
      const bad = join(work, 'flipped');
      cpSync(image, bad, { recursive: true });
      const dir = join(bad, 'blobs', 'sha256');
      const largest = readdirSync(dir)
        .map((n) => join(dir, n))
        .sort((a, b) => statSync(b).size - statSync(a).size)[0] as string;
      const bytes = readFileSync(largest);
      bytes[100] = (bytes[100] ?? 0) ^ 0x80;
      writeFileSync(largest, bytes);
      const r = push([bad, `${plain.host}/cli/flipped:x`, '--insecure-http', '--json']);
      expect(r.status).toBe(1);
      expect(r.json().error.code).toBe('IMAGE_INVALID');

      const badRef = push([image, 'no-registry-host', '--json']);
      expect([badRef.status, badRef.json().error.code]).toEqual([2, 'IMAGE_PUSH_BAD_REF']);
      const noUser = push([image, `${plain.host}/cli/x:y`, '--password-stdin', '--json'], 'pw\n');
      expect([noUser.status, noUser.json().error.code]).toEqual([2, 'CLI_USAGE']);
    });

    it('exits 1 with the registry status and error code in --json (a pull-through cache refuses pushes)', async () => {
      const cache = await startRegistry({ pullThroughOf: plain.host });
      stops.push(() => cache.stop());
      const r = push([image, `${cache.host}/cli/hello:x`, '--insecure-http', '--json']);
      expect(r.status).toBe(1);
      expect(r.json()).toMatchObject({
        ok: false,
        error: { code: 'IMAGE_PUSH_FAILED', status: 405, registryCode: 'UNSUPPORTED' },
      });
    });

    it('--username with --password-stdin, or the BLINDBOX_REGISTRY_* variables, answer the Bearer token flow (real loopback token server)', async () => {
      const issuer = issuerCertificate(mkdtempSync(join(tmpdir(), 'bb-issuer-')));
      const password = 'p4ss word from stdin';
      const tokens = await startTokenServer({ ...issuer, issuer: 'bb-issuer', user: 'vendor', password });
      stops.push(() => tokens.close());
      const reg = await startRegistry({
        tokenAuth: {
          realm: tokens.realm,
          service: 'bb-test',
          issuer: 'bb-issuer',
          rootCertBundle: issuer.certFile,
        },
      });
      stops.push(() => reg.stop());
      const ref = `${reg.host}/cli/auth:0.1.0`;
      const viaStdin = await pushAsync(
        [image, ref, '--insecure-http', '--username', 'vendor', '--password-stdin', '--json'],
        `${password}\n`,
      );
      expect(viaStdin.status, viaStdin.stdout + viaStdin.stderr).toBe(0);
      expect(viaStdin.json().manifestDigest).toBe(imageDigest);
      const viaEnv = await pushAsync([image, ref, '--insecure-http'], '', {
        BLINDBOX_REGISTRY_USER: 'vendor',
        BLINDBOX_REGISTRY_PASSWORD: password,
      });
      expect(viaEnv.status, viaEnv.stderr).toBe(0);
      expect(viaEnv.stdout).toContain(`pushed ${ref}`);
      const wrong = await pushAsync([image, ref, '--insecure-http', '--json'], '', {
        BLINDBOX_REGISTRY_USER: 'vendor',
        BLINDBOX_REGISTRY_PASSWORD: 'not-the-password',
      });
      expect(wrong.status).toBe(1);
      expect(wrong.json().error).toMatchObject({ code: 'IMAGE_PUSH_AUTH_FAILED', status: 401 });
      expect(wrong.stdout + wrong.stderr).not.toContain('not-the-password');
      const anonymous = await pushAsync([image, ref, '--insecure-http', '--json']);
      expect([anonymous.status, anonymous.json().error.code]).toEqual([1, 'IMAGE_PUSH_AUTH_FAILED']);
    });
  },
);
