import type { VerificationReport } from '@blindbox/attestation';
import type { CheckpointStore } from '@blindbox/transparency';
import { ClientError } from './client-error.js';
import type { ClientPolicy } from './client-policy.js';

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
}

/**
 * Checks the verified measurement against the client policy: the measurement must be one the
 * policy accepts for the evidence's platform. Fails closed.
 */
export async function acceptMeasurement(
  report: VerificationReport,
  policy: ClientPolicy,
  offeredRelease: unknown,
  at: Date,
): Promise<AcceptedRelease> {
  if (policy.kind === 'pinned') {
    if (!Array.isArray(policy.releases) || policy.releases.length === 0) {
      throw new ClientError('CLIENT_BAD_POLICY', 'a pinned policy needs at least one release');
    }
    const match = policy.releases.find(
      (r) => r.measurements[report.platform]?.toLowerCase() === report.measurement,
    );
    if (!match) {
      const accepted = policy.releases.map((r) => r.measurements[report.platform]).filter(Boolean);
      throw new ClientError(
        'CLIENT_MEASUREMENT_NOT_ACCEPTED',
        `the server runs ${report.platform} measurement ${report.measurement}, which is not one of the ${accepted.length} accepted (${accepted.join(', ') || 'none for this platform'}); update the client or check the deployment`,
      );
    }
    return { app: match.app, version: match.version, via: 'pinned' };
  }
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
    if (predicate.measurements[report.platform]?.toLowerCase() !== report.measurement) {
      throw new ClientError(
        'CLIENT_MEASUREMENT_NOT_ACCEPTED',
        `the server's ${report.platform} measurement ${report.measurement} is not the one its signed release ${predicate.app}@${predicate.version} records (${predicate.measurements[report.platform] ?? 'none'})`,
      );
    }
    return {
      app: predicate.app,
      version: predicate.version,
      via: 'signed-release',
      logIndex: verified.logIndex,
    };
  }
  throw new ClientError('CLIENT_BAD_POLICY', 'unknown policy kind');
}

/**
 * Checks a verified measurement against one release statement (an in-toto Statement whose predicate
 * is `https://blindbox.dev/release/v1`, e.g. a build's `release.json`). The statement's signature is
 * not checked here: use it for a statement you already trust (one you built or pinned).
 */
export function acceptMeasurementFromRelease(
  report: VerificationReport,
  statement: unknown,
): { app: string; version: string } {
  const predicate = (
    statement as { predicate?: { app?: unknown; version?: unknown; measurements?: unknown } }
  )?.predicate;
  const measurements = predicate?.measurements;
  if (
    typeof predicate?.app !== 'string' ||
    typeof predicate.version !== 'string' ||
    typeof measurements !== 'object' ||
    measurements === null
  ) {
    throw new ClientError(
      'CLIENT_BAD_POLICY',
      'not a BlindBox release statement (predicate app/version/measurements missing)',
    );
  }
  const expected = (measurements as Record<string, unknown>)[report.platform];
  if (typeof expected !== 'string' || expected.toLowerCase() !== report.measurement) {
    throw new ClientError(
      'CLIENT_MEASUREMENT_NOT_ACCEPTED',
      `the server runs ${report.platform} measurement ${report.measurement}; release ${predicate.app}@${predicate.version} has ${typeof expected === 'string' ? expected : 'none for this platform'}`,
    );
  }
  return { app: predicate.app, version: predicate.version };
}
