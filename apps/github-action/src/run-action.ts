import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import {
  exactSan,
  type ReleaseIdentity,
  type SigstoreBundleJson,
  signRelease,
  TransparencyError,
  verifyReleaseBundle,
} from '@blindbox/transparency';
import { ActionError } from './action-error.js';
import { buildApp } from './build-app.js';
import { checkVersionUnpublished, describe } from './check-version-unpublished.js';
import { loadSigningKey } from './load-signing-key.js';
import { type ActionInputs, readInputs } from './read-inputs.js';
import { uploadRelease } from './upload-release.js';
import { writeReport } from './write-report.js';

/**
 * The action: build → sign the release statement → log it → verify the bundle against the pinned
 * TrustedRoot → outputs and job summary. Any refusal goes to `core.setFailed` before a single output
 * is set, so a later step never reads half a release.
 */
export async function runAction(): Promise<void> {
  try {
    const inputs = readInputs();
    const tag = checkRef(inputs.allowUntagged);
    const trustedRoot = await readTrustedRoot(inputs.trustedRoot);
    const key = inputs.sign === 'key' ? loadSigningKey(inputs.key ?? '') : undefined;
    const { verify: identity, monitor } = key
      ? { verify: { kind: 'key', publicKey: key.publicKeyPem } as const, monitor: undefined }
      : workflowIdentity(inputs.oidcIssuer);

    const { summary, statement } = await core.group('blindbox build', () => buildApp(inputs.app));
    if (tag !== undefined && tag !== summary.version && tag !== `v${summary.version}`)
      core.warning(`the tag ${tag} is not v${summary.version}, the version in the app's package.json`);
    await checkVersionUnpublished(inputs, trustedRoot, monitor ?? identity, summary);

    const bundle = await core.group('sign and log the release', () =>
      sign(statement, inputs, key ? { kind: 'key', key } : { kind: 'keyless', fulcioUrl: inputs.fulcioUrl }),
    );
    const verified = await core.group('verify the bundle against the pinned trusted root', () =>
      verify(bundle, trustedRoot, identity, inputs),
    );
    const releasePath = join(summary.outDir, 'release.json');
    const bundlePath = join(summary.outDir, 'release.sigstore.json');
    await writeFile(bundlePath, `${JSON.stringify(bundle, null, 2)}\n`);
    if (inputs.upload)
      await uploadRelease(summary, [releasePath, bundlePath, join(summary.outDir, 'build.json')]);
    core.info(
      `✔ ${summary.app}@${summary.version} signed by ${verified.signer}, log index ${verified.logIndex}`,
    );
    await writeReport({
      app: summary.app,
      version: summary.version,
      imageDigest: summary.imageDigest,
      measurements: summary.measurements,
      releasePath,
      bundlePath,
      logIndex: verified.logIndex,
      logUrl: inputs.log.url,
      signer: verified.signer,
    });
  } catch (err) {
    core.setFailed(
      err instanceof ActionError ? `${err.code}: ${err.message}` : `unexpected error: ${describe(err)}`,
    );
  }
}

/** The tag being released (`refs/tags/<tag>`), or a refusal unless `allow-untagged` is set. */
function checkRef(allowUntagged: boolean): string | undefined {
  const ref = process.env['GITHUB_REF'] ?? '';
  if (ref.startsWith('refs/tags/')) return ref.slice('refs/tags/'.length);
  if (allowUntagged) {
    core.warning(`publishing from ${ref || 'an unknown ref'}, not a tag (allow-untagged: true)`);
    return undefined;
  }
  throw new ActionError(
    'ACTION_UNTAGGED_REF',
    `refusing to publish a release from ${ref || 'an unknown ref'}: run on a tag (on: push: tags: ['v*']), or set allow-untagged: true`,
  );
}

/**
 * The identity a keyless release must carry: this workflow's certificate SAN, exactly (Fulcio puts
 * the token's job_workflow_ref there), and, for the republish check, any workflow of this repository.
 */
function workflowIdentity(issuer: string): {
  verify: ReleaseIdentity;
  monitor: { kind: 'keyless'; san: string; issuer: string };
} {
  const server = (process.env['GITHUB_SERVER_URL'] || 'https://github.com').replace(/\/+$/, '');
  const workflowRef = process.env['GITHUB_WORKFLOW_REF'];
  const repository = process.env['GITHUB_REPOSITORY'];
  if (!workflowRef || !repository)
    throw new ActionError(
      'ACTION_BAD_INPUT',
      'sign: keyless needs GITHUB_WORKFLOW_REF and GITHUB_REPOSITORY (set by GitHub Actions) to know which identity the release must carry',
    );
  return {
    verify: { kind: 'keyless', san: exactSan(`${server}/${workflowRef}`), issuer },
    monitor: { kind: 'keyless', san: `${exactSan(`${server}/${repository}/`)}.+`, issuer },
  };
}

async function readTrustedRoot(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ActionError(
      'ACTION_BAD_INPUT',
      `cannot read the trusted root ${path}: ${(err as Error).message}`,
    );
  }
}

async function sign(
  statement: unknown,
  inputs: ActionInputs,
  signer: Parameters<typeof signRelease>[1]['signer'],
): Promise<SigstoreBundleJson> {
  try {
    return await signRelease(statement as object, { signer, log: { url: inputs.log.url } });
  } catch (err) {
    const unreachable = /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET|fetch failed/i.test(
      describe(err),
    );
    throw new ActionError(
      unreachable ? 'ACTION_LOG_UNREACHABLE' : 'ACTION_SIGNING_FAILED',
      `${unreachable ? `cannot reach the log at ${inputs.log.url}${signer.kind === 'keyless' ? ` or Fulcio at ${inputs.fulcioUrl}` : ''}` : 'signing or logging the release failed'}: ${describe(err)}`,
      { cause: err },
    );
  }
}

async function verify(
  bundle: SigstoreBundleJson,
  trustedRoot: unknown,
  identity: ReleaseIdentity,
  inputs: ActionInputs,
) {
  try {
    return await verifyReleaseBundle(bundle, {
      trustedRoot,
      identity,
      insecureSkipCertificateTransparency: inputs.insecureSkipCertificateTransparency,
    });
  } catch (err) {
    const code = err instanceof TransparencyError ? err.code : 'error';
    throw new ActionError(
      'ACTION_VERIFICATION_FAILED',
      `the bundle the log returned does not verify against the pinned trusted root (${code}): ${describe(err)}`,
      { cause: err },
    );
  }
}
