import { FileCheckpointStore, LogError, monitorLog, TransparencyError } from '@blindbox/transparency';
import { Flags } from '@oclif/core';
import { BaseCommand, UsageError, VerdictError } from '../../base-command.js';
import { logPinFlags } from '../../flags/log-pin-flags.js';
import { signerPinFlags } from '../../flags/signer-pin-flags.js';
import { ENVIRONMENT_CODES } from '../../release/environment-error-codes.js';
import { monitoredIdentityFromFlags } from '../../release/pin-signer-identity.js';
import { trustedRootFromFlags } from '../../release/read-trusted-root.js';

export default class LogMonitor extends BaseCommand {
  static override description =
    'List every release a signer identity has in a log (recomputing the tree from all entries against the signed checkpoint) and exit 1 if any is not in the --expect list.';

  static override examples = [
    '<%= config.bin %> log monitor --log http://127.0.0.1:3100 --key release.key.pub --trusted-root trusted-root.json --expect sha256:2c26b4…',
    "<%= config.bin %> log monitor --log http://127.0.0.1:3100 --identity 'https://github\\.com/acme/.*' --issuer https://token.actions.githubusercontent.com --trusted-root trusted-root.json --json",
  ];

  static override flags = {
    log: Flags.string({ description: 'the log URL', required: true }),
    ...signerPinFlags({ issuerOptional: true }),
    expect: Flags.string({
      description: 'subject digest of a release you published (repeatable)',
      multiple: true,
    }),
    ...logPinFlags,
  };

  async run() {
    const { flags } = await this.parse(LogMonitor);
    const identity = await monitoredIdentityFromFlags(flags);
    const trustedRoot = await trustedRootFromFlags(flags);
    let result: Awaited<ReturnType<typeof monitorLog>>;
    try {
      result = await monitorLog({
        logUrl: flags.log,
        trustedRoot,
        identity,
        expect: flags.expect ?? [],
        checkpoints: flags.checkpoints ? new FileCheckpointStore(flags.checkpoints) : undefined,
      });
    } catch (err) {
      if (err instanceof TransparencyError || err instanceof LogError) {
        if (err.code.startsWith('LOG_') || ENVIRONMENT_CODES.has(err.code))
          throw new UsageError(err.message, err.code);
        throw new VerdictError(`rejected: ${err.message}`, err.code);
      }
      throw err;
    }
    const releases = result.releases.map((r) => ({ ...r, integratedTime: r.integratedTime.toISOString() }));
    const out = {
      ok: result.unexpected.length === 0,
      treeSize: result.treeSize,
      releases,
      unexpected: releases.filter((r) => !r.expected),
    };
    this.log(`${result.treeSize} entries checked; ${releases.length} signed by this identity`);
    for (const r of releases) {
      this.log(
        `  ${r.expected ? '✔' : '✘'} #${r.logIndex} ${r.integratedTime} ${r.kind} ${r.app ?? '?'}@${r.version ?? '?'} ${r.subjectDigest ?? '(unreadable)'}`,
      );
    }
    if (!out.ok) {
      throw new VerdictError(
        `${out.unexpected.length} release(s) of this identity are not in the expected list`,
        'TRANSPARENCY_UNEXPECTED_RELEASE',
        out,
      );
    }
    return out;
  }
}
