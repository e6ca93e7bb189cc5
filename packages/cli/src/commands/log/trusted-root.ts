import { fetchLogTrustedRoot, LogError, TransparencyError } from '@blindbox/transparency';
import { Flags } from '@oclif/core';
import { BaseCommand, UsageError } from '../../base-command.js';

export default class LogTrustedRoot extends BaseCommand {
  static override description =
    "Print a Sigstore TrustedRoot JSON that pins a log's checkpoint key (trust on first use: save it and ship it with your verifiers).";

  static override examples = [
    '<%= config.bin %> log trusted-root --log http://127.0.0.1:3100 > trusted-root.json',
  ];

  static override flags = {
    log: Flags.string({ description: 'the log URL', required: true }),
  };

  async run() {
    const { flags } = await this.parse(LogTrustedRoot);
    try {
      const root = await fetchLogTrustedRoot(flags.log);
      // the JSON itself is the output, with or without --json
      if (!this.jsonEnabled()) this.log(JSON.stringify(root, null, 2));
      return root;
    } catch (err) {
      if (err instanceof TransparencyError || err instanceof LogError)
        throw new UsageError(err.message, err.code);
      throw err;
    }
  }
}
