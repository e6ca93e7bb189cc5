import { readFile } from 'node:fs/promises';
import {
  FileCheckpointStore,
  fetchConsistencyFrom,
  fetchLogTrustedRoot,
  type ReleaseIdentity,
  TransparencyError,
  verifyReleaseBundle,
} from '@blindbox/transparency';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, UsageError, VerdictError } from '../../base-command.js';

/** Errors that say "cannot check" (environment) rather than "no": exit 2, not 1. */
export const ENVIRONMENT_CODES = new Set([
  'TRANSPARENCY_BAD_POLICY',
  'TRANSPARENCY_BAD_TRUSTED_ROOT',
  'TRANSPARENCY_CONSISTENCY_UNAVAILABLE',
  'LOG_NOT_FOUND',
]);

/** Builds the pinned identity from `--key` or `--identity` + `--issuer`. */
export async function identityFromFlags(flags: {
  key?: string;
  identity?: string;
  issuer?: string;
}): Promise<ReleaseIdentity> {
  if (flags.key && (flags.identity || flags.issuer))
    throw new UsageError('pass either --key or --identity/--issuer, not both');
  if (flags.key) {
    try {
      return { kind: 'key', publicKey: await readFile(flags.key, 'utf8') };
    } catch (err) {
      throw new UsageError(`cannot read the public key ${flags.key}: ${(err as Error).message}`);
    }
  }
  if (flags.identity && flags.issuer) return { kind: 'keyless', san: flags.identity, issuer: flags.issuer };
  throw new UsageError(
    'pin a signer: --key <public key PEM>, or --identity <SAN pattern> with --issuer <OIDC issuer>',
  );
}

/**
 * Reads the pinned TrustedRoot file. Fetching the log's key from `--log` at verification time lets
 * whoever answers that URL impersonate the log, so it happens only with
 * `--insecure-fetch-log-key`, whose name says what it gives up.
 */
export async function trustedRootFromFlags(flags: {
  'trusted-root'?: string;
  log?: string;
  'insecure-fetch-log-key'?: boolean;
}): Promise<unknown> {
  if (flags['trusted-root']) {
    try {
      return JSON.parse(await readFile(flags['trusted-root'], 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read the TrustedRoot ${flags['trusted-root']}: ${(err as Error).message}`);
    }
  }
  if (flags.log && flags['insecure-fetch-log-key']) return fetchLogTrustedRoot(flags.log);
  throw new UsageError(
    'pass --trusted-root <file> (pin once with `blindbox log trusted-root --log <url> > trusted-root.json`); --insecure-fetch-log-key with --log trusts whatever key that URL serves now',
  );
}

export default class ReleaseVerify extends BaseCommand {
  static override description =
    'Verify a signed release bundle offline: the signature, the pinned signer (key, or anchored SAN + exact OIDC issuer), the log inclusion proof and signed checkpoint; optionally that the log has not forked since the last run.';

  static override examples = [
    '<%= config.bin %> release verify build/release.sigstore.json --key release.key.pub --trusted-root trusted-root.json',
    "<%= config.bin %> release verify release.sigstore.json --identity 'https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/heads/main' --issuer https://token.actions.githubusercontent.com --trusted-root trusted-root.json --json",
  ];

  static override args = {
    bundle: Args.file({
      description: 'the Sigstore bundle (release.sigstore.json)',
      required: true,
      exists: true,
    }),
  };

  static override flags = {
    key: Flags.file({ description: 'pinned signer public key (PEM, e.g. release.key.pub)', exists: true }),
    identity: Flags.string({
      description: 'pinned certificate SAN: a regular expression matched against the whole SAN',
    }),
    issuer: Flags.string({ description: 'pinned OIDC issuer (exact)' }),
    'trusted-root': Flags.file({ description: 'pinned Sigstore TrustedRoot JSON', exists: true }),
    log: Flags.string({ description: 'log URL for consistency proofs' }),
    'insecure-fetch-log-key': Flags.boolean({
      description:
        'without --trusted-root, trust the key the --log URL serves now (anyone answering that URL can then fake the log)',
    }),
    checkpoints: Flags.string({
      description: "file remembering each log's last checkpoint, to detect a fork across runs",
    }),
  };

  async run() {
    const { args, flags } = await this.parse(ReleaseVerify);
    const identity = await identityFromFlags(flags);
    const trustedRoot = await trustedRootFromFlags(flags);
    let bundle: unknown;
    try {
      bundle = JSON.parse(await readFile(args.bundle, 'utf8'));
    } catch (err) {
      throw new VerdictError(
        `the bundle ${args.bundle} is not JSON: ${(err as Error).message}`,
        'TRANSPARENCY_MALFORMED_BUNDLE',
      );
    }
    try {
      const release = await verifyReleaseBundle(bundle, {
        trustedRoot,
        identity,
        checkpoints: flags.checkpoints ? new FileCheckpointStore(flags.checkpoints) : undefined,
        fetchConsistency: flags.log ? fetchConsistencyFrom(flags.log) : undefined,
      });
      const out = {
        ok: true,
        app: release.statement.predicate.app,
        version: release.statement.predicate.version,
        subject: release.statement.subject[0]?.digest.sha256,
        measurements: release.statement.predicate.measurements,
        signer: release.signer,
        log: release.log,
        logIndex: release.logIndex,
        integratedTime: release.integratedTime.toISOString(),
      };
      this.log(`✔ ${out.app}@${out.version} signed by ${out.signer}`);
      this.log(`  logged at index ${out.logIndex} of ${out.log.origin} on ${out.integratedTime}`);
      for (const [name, value] of Object.entries(out.measurements)) this.log(`  ${name}: ${value}`);
      return out;
    } catch (err) {
      if (err instanceof TransparencyError) {
        const json = { ok: false, error: { code: err.code, message: err.message } };
        if (ENVIRONMENT_CODES.has(err.code))
          throw Object.assign(new UsageError(err.message, err.code), { json });
        throw new VerdictError(`rejected: ${err.message}`, err.code, json);
      }
      throw err;
    }
  }
}
