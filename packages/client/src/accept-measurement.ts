import type { VerificationReport } from '@blindbox/attestation';
import type { CheckpointStore } from '@blindbox/transparency';
import { checkChipAllowed } from './check-chip-id.js';
import { ClientError, type ClientErrorCode } from './client-error.js';
import type { ClientPolicy } from './client-policy.js';
import {
  type ComparedValue,
  compareReleaseValues,
  type ReleaseComparison,
} from './compare-release-values.js';

/** The checkpoints this process has seen, per log: a log that forks between two connections is caught. */
let sharedCheckpoints: CheckpointStore | undefined;

/** The release a server was accepted as. */
export interface AcceptedRelease {
  app?: string;
  version?: string;
  /** How it was accepted. */
  via: 'pinned' | 'signed-release';
  /** Log index of the signed release, when accepted through the log. */
  logIndex?: number;
  /** Every value of the release compared with the evidence (all matched), launch measurement first. */
  compared: ComparedValue[];
}

const named = (r: { app?: string | undefined; version?: string | undefined }) =>
  r.app === undefined ? 'the pinned release' : `release ${r.app}@${r.version ?? '?'}`;

/**
 * The error for a release that does not accept this evidence. `unusableCode` is the policy's
 * fault for a pinned release, the release's for a signed one.
 */
function refusal(
  report: VerificationReport,
  name: string,
  result: Exclude<ReleaseComparison, { verdict: 'accepted' }>,
  unusableCode: ClientErrorCode,
): ClientError {
  switch (result.verdict) {
    case 'platform-not-listed':
      return new ClientError(
        'CLIENT_PLATFORM_NOT_ACCEPTED',
        `the server presented ${report.platform} evidence, but ${name} lists values for ${result.listed.join(', ') || 'no platform'} only: it was not released for this platform`,
      );
    case 'unusable':
      return new ClientError(unusableCode, `${name} cannot be checked: ${result.reason}`);
    case 'mismatch': {
      const { failed } = result;
      return new ClientError(
        'CLIENT_MEASUREMENT_NOT_ACCEPTED',
        `the server's ${report.platform} ${failed.field} (${failed.key}) is ${failed.found}, but ${name} requires ${failed.expected}: it runs something else than this release (update the client or check the deployment)`,
        { field: failed.key, expected: failed.expected, found: failed.found },
      );
    }
  }
}

/** Every value one release pins for this platform must match, or a typed error says which did not. */
function checkRelease(
  report: VerificationReport,
  release: { app?: string | undefined; version?: string | undefined; measurements: unknown },
  unusableCode: ClientErrorCode,
): ComparedValue[] {
  const measurements = release.measurements;
  if (typeof measurements !== 'object' || measurements === null || Array.isArray(measurements)) {
    throw new ClientError(unusableCode, `${named(release)} has no measurements object`);
  }
  const result = compareReleaseValues(report, measurements as Record<string, unknown>);
  if (result.verdict !== 'accepted') throw refusal(report, named(release), result, unusableCode);
  return result.compared;
}

/** The pinned release the evidence matches, or the most telling refusal among them. */
function acceptPinned(
  report: VerificationReport,
  releases: ClientPolicy & { kind: 'pinned' },
): AcceptedRelease {
  if (!Array.isArray(releases.releases) || releases.releases.length === 0) {
    throw new ClientError('CLIENT_BAD_POLICY', 'a pinned policy needs at least one release');
  }
  const refusals: ClientError[] = [];
  for (const release of releases.releases) {
    try {
      const compared = checkRelease(report, release, 'CLIENT_BAD_POLICY');
      return {
        ...(release.app !== undefined ? { app: release.app } : {}),
        ...(release.version !== undefined ? { version: release.version } : {}),
        via: 'pinned',
        compared,
      };
    } catch (err) {
      refusals.push(err as ClientError);
    }
  }
  // A mismatch says more than "another platform"; one refusal among several names how many there were.
  const first =
    refusals.find((e) => e.code === 'CLIENT_MEASUREMENT_NOT_ACCEPTED') ??
    refusals.find((e) => e.code === 'CLIENT_BAD_POLICY') ??
    (refusals[0] as ClientError);
  if (refusals.length === 1) throw first;
  throw new ClientError(
    first.code,
    `none of the ${refusals.length} pinned releases accepts this server; for example ${first.message}`,
    {
      ...(first.field !== undefined ? { field: first.field } : {}),
      ...(first.expected !== undefined ? { expected: first.expected } : {}),
      ...(first.found !== undefined ? { found: first.found } : {}),
    },
  );
}

/**
 * Checks the verified evidence against the client policy: the release the policy accepts must pin
 * values for the evidence's platform, and every one of them must match; with `allowedChipIds`,
 * the chip must be listed too. Fails closed.
 */
export async function acceptMeasurement(
  report: VerificationReport,
  policy: ClientPolicy,
  offeredRelease: unknown,
  at: Date,
): Promise<AcceptedRelease> {
  const accepted = await acceptRelease(report, policy, offeredRelease, at);
  checkChipAllowed(report, policy.allowedChipIds);
  return accepted;
}

async function acceptRelease(
  report: VerificationReport,
  policy: ClientPolicy,
  offeredRelease: unknown,
  at: Date,
): Promise<AcceptedRelease> {
  if (policy.kind === 'pinned') return acceptPinned(report, policy);
  if (policy.kind === 'signed-release') {
    if (offeredRelease === undefined) {
      throw new ClientError(
        'CLIENT_RELEASE_NOT_ACCEPTED',
        'the policy requires a signed release but the server offered none in its attest envelope',
      );
    }
    // Loaded on demand: sigstore verification is Node-only and heavy; pinned clients never load it.
    const transparency = await import('@blindbox/transparency');
    sharedCheckpoints ??= new transparency.MemoryCheckpointStore();
    const verified = await transparency.verifyReleaseBundle(offeredRelease, {
      trustedRoot: policy.trustedRoot,
      identity: policy.signer,
      checkpoints: policy.checkpoints ?? sharedCheckpoints,
      ...(policy.logUrl ? { fetchConsistency: transparency.fetchConsistencyFrom(policy.logUrl) } : {}),
      at,
    });
    const predicate = verified.statement.predicate;
    if (policy.app !== undefined && predicate.app !== policy.app) {
      throw new ClientError(
        'CLIENT_RELEASE_NOT_ACCEPTED',
        `the signed release is for app ${JSON.stringify(predicate.app)}, expected ${JSON.stringify(policy.app)}`,
      );
    }
    const compared = checkRelease(report, predicate, 'CLIENT_RELEASE_NOT_ACCEPTED');
    return {
      app: predicate.app,
      version: predicate.version,
      via: 'signed-release',
      logIndex: verified.logIndex,
      compared,
    };
  }
  throw new ClientError('CLIENT_BAD_POLICY', 'unknown policy kind');
}

/**
 * Checks verified evidence against one release statement (an in-toto Statement whose predicate is
 * `https://blindbox.dev/release/v1`, e.g. a build's `release.json`): every value it pins for the
 * evidence's platform must match. The statement's signature is not checked here: use it for a
 * statement you already trust (one you built or pinned). See {@link compareReleaseValues} to list
 * the comparisons without throwing.
 */
export function acceptMeasurementFromRelease(
  report: VerificationReport,
  statement: unknown,
): { app: string; version: string; compared: ComparedValue[] } {
  const predicate = (
    statement as { predicate?: { app?: unknown; version?: unknown; measurements?: unknown } }
  )?.predicate;
  if (
    typeof predicate?.app !== 'string' ||
    typeof predicate.version !== 'string' ||
    typeof predicate.measurements !== 'object' ||
    predicate.measurements === null
  ) {
    throw new ClientError(
      'CLIENT_BAD_POLICY',
      'not a BlindBox release statement (predicate app/version/measurements missing)',
    );
  }
  const release = { app: predicate.app, version: predicate.version, measurements: predicate.measurements };
  return {
    app: release.app,
    version: release.version,
    compared: checkRelease(report, release, 'CLIENT_BAD_POLICY'),
  };
}
