import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildResult, buildAppWith } from '../src/build-app.js';
import { BuildError } from '../src/build-error.js';
import { ImagePushError, pushOciImage } from '../src/push-oci-image.js';
import { startCountingProxy } from './support/counting-proxy.js';
import {
  issuerCertificate,
  registryBinary,
  startRegistry,
  type TestRegistry,
} from './support/start-registry.js';
import { copyHelloTo } from './support/temp-project.js';
import { startTokenServer } from './support/token-server.js';

const skopeo = '/usr/bin/skopeo';

const run = promisify(execFile);
const skip = !existsSync(registryBinary) && process.env.CI === undefined;

let work: string;
let layout: string;
let archive: string;
let built: BuildResult;
const stops: (() => Promise<void>)[] = [];

async function registry(options: Parameters<typeof startRegistry>[0] = {}): Promise<TestRegistry> {
  const r = await startRegistry(options);
  stops.push(() => r.stop());
  return r;
}

async function proxied(target: TestRegistry) {
  const p = await startCountingProxy(target.host);
  stops.push(() => p.close());
  return p;
}

async function skopeoDigest(ref: string, extra: string[] = []): Promise<string> {
  const { stdout } = await run(skopeo, [
    'inspect',
    '--no-tags',
    '--tls-verify=false',
    ...extra,
    `docker://${ref}`,
  ]);
  return (JSON.parse(stdout) as { Digest: string }).Digest;
}

beforeAll(async () => {
  if (skip) return;
  work = await mkdtemp(join(tmpdir(), 'bb-push-'));
  const project = join(work, 'hello');
  await copyHelloTo(project);
  const out = join(project, '.blindbox', 'build');
  built = await buildAppWith({ projectDir: project, outDir: out, archive: true }, {});
  layout = join(out, 'image');
  archive = join(out, 'image.tar');
}, 180_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

describe.skipIf(skip)("pushOciImage to Debian's docker-registry (needs /usr/bin/docker-registry)", () => {
  it('pushes the layout; skopeo inspect and skopeo copy see our manifest digest', async () => {
    const r = await registry();
    const result = await pushOciImage(layout, `${r.host}/hello`, { insecureHttp: true });
    expect(result.manifestDigest).toBe(built.imageDigest);
    expect(result).toMatchObject({
      ref: `${r.host}/hello:0.1.0`,
      pinnedRef: `${r.host}/hello@${built.imageDigest}`,
      tag: '0.1.0',
    });
    expect(result.blobs.map((b) => b.role)).toEqual(['config', 'layer 0', 'layer 1', 'layer 2']);
    expect(await skopeoDigest(`${r.host}/hello:0.1.0`)).toBe(built.imageDigest);
    const copy = join(work, 'copied');
    // skopeo gzips layers for an oci: destination unless told to keep the digests.
    await run(skopeo, [
      'copy',
      '--preserve-digests',
      '--src-tls-verify=false',
      `docker://${r.host}/hello:0.1.0`,
      `oci:${copy}:0.1.0`,
    ]);
    const index = JSON.parse(await readFile(join(copy, 'index.json'), 'utf8'));
    expect(index.manifests[0].digest).toBe(built.imageDigest);
  }, 120_000);

  it('pushing twice uploads each blob once: the second push only HEADs them (counted by a loopback proxy)', async () => {
    const proxy = await proxied(await registry());
    const count = (method: string, pattern: RegExp) =>
      proxy.requests.filter((l) => l.startsWith(`${method} `) && pattern.test(l)).length;
    const first = await pushOciImage(layout, `${proxy.host}/twice/hello:one`, { insecureHttp: true });
    expect(first.blobs.every((b) => b.uploaded)).toBe(true);
    expect([
      count('HEAD', /\/blobs\/sha256:/),
      count('POST', /\/blobs\/uploads\/$/),
      count('PUT', /\/blobs\/uploads\//),
    ]).toEqual([4, 4, 4]);
    proxy.requests.length = 0;
    const second = await pushOciImage(layout, `${proxy.host}/twice/hello:two`, { insecureHttp: true });
    expect(second.blobs.some((b) => b.uploaded)).toBe(false);
    expect(second.manifestDigest).toBe(first.manifestDigest);
    expect(proxy.requests).toEqual([
      ...first.blobs.map((b) => `HEAD /v2/twice/hello/blobs/${b.digest}`),
      'PUT /v2/twice/hello/manifests/two',
    ]);
    expect(await skopeoDigest(`${proxy.host}/twice/hello:two`)).toBe(built.imageDigest);
  }, 120_000);

  it('pushes the oci-archive by digest to a registry that answers relative upload Locations', async () => {
    const r = await registry({ relativeUrls: true });
    const ref = `${r.host}/archive/hello@${built.imageDigest}`;
    const result = await pushOciImage(archive, ref, { insecureHttp: true });
    expect(result).toMatchObject({ ref, manifestDigest: built.imageDigest });
    expect(result.tag).toBeUndefined();
    expect(await skopeoDigest(ref)).toBe(built.imageDigest);
  }, 120_000);

  it('refuses a layout with one flipped byte in a layer before any request', async () => {
    const proxy = await proxied(await registry());
    const bad = join(work, 'flipped');
    await cp(layout, bad, { recursive: true });
    const blobs = join(bad, 'blobs', 'sha256');
    const sized = await Promise.all(
      (await readdir(blobs)).map(async (n) => ({ n, size: (await stat(join(blobs, n))).size })),
    );
    const largest = join(blobs, sized.sort((a, b) => b.size - a.size)[0]?.n ?? '');
    const bytes = await readFile(largest);
    const at = bytes.length >> 1;
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    await writeFile(largest, bytes);
    const err = await pushOciImage(bad, `${proxy.host}/flipped:x`, { insecureHttp: true }).catch((e) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect(err.code).toBe('IMAGE_INVALID');
    expect(err.message).toMatch(/does not match its digest/);
    expect(proxy.requests).toEqual([]);
  }, 120_000);

  it('reports a registry error with its HTTP status and the registry error code (a pull-through cache refuses pushes)', async () => {
    const r = await registry({ pullThroughOf: (await registry()).host });
    const err = await pushOciImage(layout, `${r.host}/ro/hello:x`, { insecureHttp: true }).catch((e) => e);
    expect(err).toBeInstanceOf(ImagePushError);
    expect(err.code).toBe('IMAGE_PUSH_FAILED');
    expect([err.status, err.registryCode]).toEqual([405, 'UNSUPPORTED']);
    expect(err.message).toContain('405 UNSUPPORTED');
  }, 120_000);

  it('refuses a reference pinned to another digest, before any request', async () => {
    const proxy = await proxied(await registry());
    const other = `sha256:${'0'.repeat(64)}`;
    const err = await pushOciImage(layout, `${proxy.host}/hello@${other}`, { insecureHttp: true }).catch(
      (e) => e,
    );
    expect(err.code).toBe('IMAGE_PUSH_DIGEST_MISMATCH');
    expect(proxy.requests).toEqual([]);
  });

  it('speaks HTTPS unless told otherwise: a plain-HTTP registry is an IMAGE_PUSH_FAILED naming --insecure-http', async () => {
    const r = await registry();
    const err = await pushOciImage(layout, `${r.host}/hello:x`).catch((e) => e);
    expect(err.code).toBe('IMAGE_PUSH_FAILED');
    expect(err.message).toContain('--insecure-http');
  });

  it('answers the Bearer challenge through a real loopback token server whose JWTs the registry verifies', async () => {
    const certs = await mkdtemp(join(tmpdir(), 'bb-issuer-'));
    const issuer = issuerCertificate(certs);
    const tokens = await startTokenServer({
      ...issuer,
      issuer: 'blindbox-test-issuer',
      user: 'vendor',
      password: 's3cret pass',
    });
    stops.push(() => tokens.close());
    const r = await registry({
      tokenAuth: {
        realm: tokens.realm,
        service: 'blindbox-test',
        issuer: 'blindbox-test-issuer',
        rootCertBundle: issuer.certFile,
      },
    });
    const anonymous = await pushOciImage(layout, `${r.host}/auth/hello:x`, { insecureHttp: true }).catch(
      (e) => e,
    );
    expect(anonymous).toBeInstanceOf(ImagePushError);
    expect([anonymous.code, anonymous.status]).toEqual(['IMAGE_PUSH_AUTH_FAILED', 401]);
    const wrong = await pushOciImage(layout, `${r.host}/auth/hello:x`, {
      insecureHttp: true,
      credentials: { username: 'vendor', password: 'wrong' },
    }).catch((e) => e);
    expect(wrong.code).toBe('IMAGE_PUSH_AUTH_FAILED');
    expect(wrong.message).not.toContain('wrong');
    tokens.requests.length = 0;
    const result = await pushOciImage(layout, `${r.host}/auth/hello:x`, {
      insecureHttp: true,
      credentials: { username: 'vendor', password: 's3cret pass' },
    });
    expect(result.manifestDigest).toBe(built.imageDigest);
    expect(tokens.requests[0]).toMatchObject({ service: 'blindbox-test', user: 'vendor' });
    expect(tokens.requests[0]?.scopes).toContain('repository:auth/hello:pull,push');
    expect(await skopeoDigest(`${r.host}/auth/hello:x`, ['--creds', 'vendor:s3cret pass'])).toBe(
      built.imageDigest,
    );
    await expect(skopeoDigest(`${r.host}/auth/hello:x`)).rejects.toThrow();
  }, 120_000);
});
