import { readFile } from 'node:fs/promises';
import {
  FileCheckpointStore,
  fetchConsistencyFrom,
  TransparencyError,
  verifyReleaseBundle,
} from '@blindbox/transparency';
import { Args, Flags } from '@oclif/core';
import { BaseCommand, UsageError, VerdictError } from '../../base-command.js';
import { logPinFlags } from '../../flags/log-pin-flags.js';
import { signerPinFlags } from '../../flags/signer-pin-flags.js';
import { ENVIRONMENT_CODES } from '../../release/environment-error-codes.js';
import { identityFromFlags } from '../../release/pin-signer-identity.js';
import { trustedRootFromFlags } from '../../release/read-trusted-root.js';

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
    ...signerPinFlags(),
    ...logPinFlags,
    log: Flags.string({ description: 'log URL for consistency proofs' }),
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
