import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fetchLogTrustedRoot, keyIdOf } from '@blindbox/transparency';
import { bundleFromJSON } from '@sigstore/bundle';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockArtifactService, sha256Hex, startMockArtifactService } from './mock-artifact-service.js';
import {
  GITHUB_ISSUER,
  githubClaims,
  type MockGithubSigstore,
  startMockGithubSigstore,
} from './mock-github-oidc.js';
import { actionDir, makeApp, runAction, startEmbeddedLog } from './run-action.js';

const REPO = 'acme/hello';
const TAG_REF = 'refs/tags/v1.0.0';
const WORKFLOW_REF = `${REPO}/.github/workflows/release.yml@${TAG_REF}`;
const SAN = `https://github.com/${WORKFLOW_REF}`;
/** The job log as shown: the runner swallows `::add-mask::` commands and masks their values. */
const unmasked = (log: string) =>
  log
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
const OUTPUTS = ['bundle-path', 'image-digest', 'log-index', 'measurements', 'release-path'];

let log: Awaited<ReturnType<typeof startEmbeddedLog>>;
let mocks: MockGithubSigstore;
let artifacts: MockArtifactService;
let trustedRoot: Record<string, unknown>;
let trustedRootPath: string;
const work = join(actionDir, '.out', 'suite');
const keyPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPem = keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

/** The environment GitHub gives a job on a tag push, with id-token: write. */
const githubEnv = (ref = TAG_REF) => ({
  GITHUB_REF: ref,
  GITHUB_REPOSITORY: REPO,
  GITHUB_WORKFLOW_REF: `${REPO}/.github/workflows/release.yml@${ref}`,
  GITHUB_SERVER_URL: 'https://github.com',
  ACTIONS_ID_TOKEN_REQUEST_URL: mocks.tokenUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: mocks.requestToken,
});
const keylessInputs = (app: string) => ({
  'working-directory': app,
  sign: 'keyless',
  log: log.url,
  'trusted-root': trustedRootPath,
  'fulcio-url': mocks.fulcioUrl,
  // the mock Fulcio has no CT log to issue SCTs from (public Fulcio's certificates carry one)
  'insecure-skip-certificate-transparency': 'true',
});

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  log = await startEmbeddedLog(join(work, 'log'));
  mocks = await startMockGithubSigstore(githubClaims(REPO, TAG_REF));
  artifacts = await startMockArtifactService();
  trustedRoot = {
    ...(await fetchLogTrustedRoot(log.url)),
    certificateAuthorities: [
      {
        subject: { organization: 'mock', commonName: 'mock-fulcio' },
        uri: mocks.fulcioUrl,
        certChain: { certificates: [{ rawBytes: mocks.caDerBase64 }] },
        validFor: { start: '2000-01-01T00:00:00Z' },
      },
    ],
  };
  trustedRootPath = join(work, 'trusted-root.json');
  writeFileSync(trustedRootPath, JSON.stringify(trustedRoot));
}, 60_000);

afterAll(async () => {
  await log?.stop();
  await mocks?.close();
  await artifacts?.close();
});

describe('the action as GitHub runs it (mock OIDC token endpoint, mock Fulcio, embedded log)', () => {
  let keylessApp: string;

  it('keyless on a tag: builds, signs with the workflow identity, logs, verifies, and sets every output', async () => {
    keylessApp = makeApp('hello', '1.0.0');
    const run = await runAction(keylessInputs(keylessApp), githubEnv());
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(Object.keys(run.outputs).sort()).toEqual(OUTPUTS);
    expect(mocks.audiences).toEqual(['sigstore']);

    const build = JSON.parse(readFileSync(join(keylessApp, '.blindbox', 'build', 'build.json'), 'utf8'));
    expect(run.outputs['image-digest']).toBe(build.imageDigest);
    expect(JSON.parse(run.outputs['measurements'] ?? '')).toEqual(build.measurements);
    expect(run.outputs['release-path']).toBe(join(keylessApp, '.blindbox', 'build', 'release.json'));
    expect(Number(run.outputs['log-index'])).toBeGreaterThanOrEqual(0);

    // sigstore-js's own Verifier, against the pinned TrustedRoot, with the workflow identity
    const bundle = JSON.parse(readFileSync(run.outputs['bundle-path'] ?? '', 'utf8'));
    const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)), {
      ctlogThreshold: 0,
      tlogThreshold: 1,
    });
    const signer = verifier.verify(toSignedEntity(bundleFromJSON(bundle)), {
      subjectAlternativeName: SAN,
      extensions: { issuer: GITHUB_ISSUER },
    });
    expect(signer.identity?.subjectAlternativeName).toBe(SAN);
    expect(signer.identity?.extensions?.issuer).toBe(GITHUB_ISSUER);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    expect(statement.subject[0].digest.sha256).toBe(build.imageDigest.replace(/^sha256:/, ''));
    expect(statement.predicate.version).toBe('1.0.0');

    expect(run.summary).toContain('BlindBox release hello@1.0.0');
    expect(run.summary).toContain(build.imageDigest);
    for (const [name, value] of Object.entries(build.measurements as Record<string, string>)) {
      expect(run.summary).toContain(`measurement: ${name}`);
      expect(run.summary).toContain(value);
    }
    expect(run.summary).toContain(SAN);
  }, 180_000);

  it('re-running the same release (same version, same image digest) is accepted and logged again', async () => {
    const first = JSON.parse(readFileSync(join(keylessApp, '.blindbox', 'build', 'build.json'), 'utf8'));
    const run = await runAction(keylessInputs(keylessApp), githubEnv());
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs['image-digest']).toBe(first.imageDigest);
  }, 180_000);

  it('refuses to republish 1.0.0 with another image digest, and sets no output', async () => {
    const src = join(keylessApp, 'src', 'hello.ts');
    writeFileSync(src, readFileSync(src, 'utf8').replace("'Hello'", "'Hi'"));
    const run = await runAction(keylessInputs(keylessApp), githubEnv());
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^ACTION_VERSION_REPUBLISHED: hello@1\.0\.0 is already in the log at index \d+/,
    );
    expect(run.outputs).toEqual({});
  }, 180_000);

  it('key signing (allow-untagged on a branch, upload to a mock artifact service): the bundle verifies with sigstore-js against the pinned key', async () => {
    const app = makeApp('hello-key', '2.0.0');
    const run = await runAction(
      {
        'working-directory': app,
        sign: 'key',
        key: keyPem,
        log: log.url,
        'trusted-root': trustedRootPath,
        'allow-untagged': 'true',
        upload: 'true',
      },
      {
        GITHUB_REF: 'refs/heads/main',
        GITHUB_REPOSITORY: REPO,
        ACTIONS_RUNTIME_TOKEN: artifacts.runtimeToken,
        ACTIONS_RESULTS_URL: artifacts.resultsUrl,
      },
    );
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(Object.keys(run.outputs).sort()).toEqual(OUTPUTS);
    expect(run.stdout).toContain('not a tag (allow-untagged: true)');
    expect(unmasked(run.stdout)).not.toContain(keyPem.split('\n')[1] ?? 'x');
    expect(run.stdout).toContain(`::add-mask::${keyPem.split('\n')[1]}`);
    // the release files went to the artifact service as one zip, finalized with its hash
    expect(artifacts.created.map((a) => a.name)).toEqual(['blindbox-release-hello-2.0.0']);
    const zip = artifacts.blob();
    expect(zip?.subarray(0, 4).toString('hex')).toBe('504b0304');
    for (const file of ['release.json', 'release.sigstore.json', 'build.json'])
      expect(zip?.includes(Buffer.from(file))).toBe(true);
    expect(artifacts.finalized).toEqual([
      {
        name: 'blindbox-release-hello-2.0.0',
        size: String(zip?.length),
        hash: `sha256:${sha256Hex(zip ?? Buffer.alloc(0))}`,
      },
    ]);
    const bundle = JSON.parse(readFileSync(run.outputs['bundle-path'] ?? '', 'utf8'));
    const publicKey = createPublicKey(keyPair.privateKey);
    const trust = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot), {
      [keyIdOf(publicKey)]: {
        rawBytes: publicKey.export({ type: 'spki', format: 'der' }),
        keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
      },
    });
    const signer = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0 }).verify(
      toSignedEntity(bundleFromJSON(bundle)),
    );
    expect(signer.key.export({ type: 'spki', format: 'pem' })).toBe(
      publicKey.export({ type: 'spki', format: 'pem' }),
    );
  }, 180_000);
});

describe('the action refuses, with one setFailed message and no output', () => {
  const refused = async (inputs: Record<string, string>, env: Record<string, string>, message: RegExp) => {
    const run = await runAction(inputs, env);
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(message);
    expect(run.outputs).toEqual({});
    return run;
  };

  it('an untagged ref', async () => {
    const app = makeApp('hello-branch', '1.0.0');
    await refused(
      keylessInputs(app),
      githubEnv('refs/heads/main'),
      /^ACTION_UNTAGGED_REF: refusing to publish a release from refs\/heads\/main/,
    );
    expect(existsSync(join(app, '.blindbox'))).toBe(false);
  });

  it('a key that is not a PEM key, and one that is not P-256 (never echoing the key)', async () => {
    const app = makeApp('hello-badkey', '1.0.0');
    const base = { 'working-directory': app, sign: 'key', log: log.url, 'trusted-root': trustedRootPath };
    const run = await refused(
      { ...base, key: 'hunter2-not-a-key' },
      { GITHUB_REF: TAG_REF },
      /^ACTION_BAD_KEY: the key input is not a PEM private key/,
    );
    expect(unmasked(run.stdout)).not.toContain('hunter2');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    await refused(
      { ...base, key: rsa },
      { GITHUB_REF: TAG_REF },
      /^ACTION_BAD_KEY: the key input is a rsa key, not ECDSA P-256/,
    );
  });

  it('a bundle that does not verify against the pinned trusted root (its CA is not pinned)', async () => {
    const unpinned = join(work, 'trusted-root-without-ca.json');
    writeFileSync(unpinned, JSON.stringify({ ...trustedRoot, certificateAuthorities: [] }));
    const app = makeApp('hello-unpinned', '3.0.0');
    await refused(
      { ...keylessInputs(app), 'trusted-root': unpinned },
      githubEnv(),
      /^ACTION_VERIFICATION_FAILED: the bundle the log returned does not verify against the pinned trusted root \(TRANSPARENCY_UNTRUSTED_CERTIFICATE\)/,
    );
    expect(existsSync(join(app, '.blindbox', 'build', 'release.sigstore.json'))).toBe(false);
  }, 180_000);

  it('a certificate naming another workflow than GITHUB_WORKFLOW_REF (fails closed: reusable workflows are not supported yet)', async () => {
    // the token (and so the certificate) names acme/shared's workflow; GITHUB_WORKFLOW_REF names acme/hello's
    const other = await startMockGithubSigstore(githubClaims('acme/shared', TAG_REF));
    try {
      const root = join(work, 'trusted-root-other-ca.json');
      writeFileSync(
        root,
        JSON.stringify({
          ...trustedRoot,
          certificateAuthorities: [
            {
              subject: { organization: 'mock', commonName: 'mock-fulcio' },
              uri: other.fulcioUrl,
              certChain: { certificates: [{ rawBytes: other.caDerBase64 }] },
              validFor: { start: '2000-01-01T00:00:00Z' },
            },
          ],
        }),
      );
      const app = makeApp('hello-other-workflow', '4.0.0');
      await refused(
        { ...keylessInputs(app), 'trusted-root': root, 'fulcio-url': other.fulcioUrl },
        {
          ...githubEnv(),
          ACTIONS_ID_TOKEN_REQUEST_URL: other.tokenUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: other.requestToken,
        },
        /^ACTION_VERIFICATION_FAILED: .*\(TRANSPARENCY_WRONG_IDENTITY\)/,
      );
    } finally {
      await other.close();
    }
  }, 180_000);

  it('an unreachable log', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const app = makeApp('hello-nolog', '1.0.0');
    await refused(
      { ...keylessInputs(app), log: `http://127.0.0.1:${closedPort}` },
      githubEnv(),
      new RegExp(`^ACTION_LOG_UNREACHABLE: cannot read the log at http://127\\.0\\.0\\.1:${closedPort}`),
    );
  }, 180_000);
});
