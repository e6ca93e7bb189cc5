import * as core from '@actions/core';
import { monitorLog, type ReleaseIdentity } from '@blindbox/transparency';
import { ActionError } from './action-error.js';
import type { ActionInputs } from './read-inputs.js';

const hex = (digest: string) => digest.toLowerCase().replace(/^sha256:/, '');

/**
 * Refuses to publish `app@version` when the log already holds a release of the same app and version,
 * signed by the same identity, for another image digest: a version names one image, and a customer
 * who pinned `1.0.0` must never find that it now means other code. The embedded log is read whole
 * (every entry tile, checked against its signed checkpoint, so it cannot hide one); public Rekor has
 * no index by version, so there the check is skipped with a warning.
 */
export async function checkVersionUnpublished(
  inputs: ActionInputs,
  trustedRoot: unknown,
  identity: ReleaseIdentity | { kind: 'keyless'; san: string; issuer?: string },
  release: { app: string; version: string; imageDigest: string },
): Promise<void> {
  if (inputs.log.kind === 'rekor') {
    core.warning(
      `not checked whether ${release.app}@${release.version} is already in Rekor with another image digest: Rekor has no index by version. Monitor your identity (blindbox log monitor) to see every release signed in its name.`,
    );
    return;
  }
  let releases: Awaited<ReturnType<typeof monitorLog>>['releases'];
  try {
    ({ releases } = await monitorLog({ logUrl: inputs.log.url, trustedRoot, identity }));
  } catch (cause) {
    throw new ActionError(
      'ACTION_LOG_UNREACHABLE',
      `cannot read the log at ${inputs.log.url} to check that ${release.version} is not already published: ${describe(cause)}`,
      { cause },
    );
  }
  const clash = releases.find(
    (r) =>
      r.app === release.app &&
      r.version === release.version &&
      r.subjectDigest !== undefined &&
      hex(r.subjectDigest) !== hex(release.imageDigest),
  );
  if (clash) {
    throw new ActionError(
      'ACTION_VERSION_REPUBLISHED',
      `${release.app}@${release.version} is already in the log at index ${clash.logIndex} with image digest sha256:${hex(clash.subjectDigest ?? '')}, and this build is ${release.imageDigest}: bump the version instead of re-publishing it with other code`,
    );
  }
}

export function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const parts = [e?.code, e?.message, e?.cause?.code].filter((p) => typeof p === 'string');
  return parts.length > 0 ? parts.join(': ') : String(err);
}
