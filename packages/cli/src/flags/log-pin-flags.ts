import { Flags } from '@oclif/core';

/**
 * How a command pins the transparency log it checks proofs against: a TrustedRoot file, or, only
 * when the caller says so by name, the key the `--log` URL serves now (whoever answers that URL
 * could then impersonate the log). `--checkpoints` remembers the last checkpoint to detect a fork
 * across runs. The command must also define `--log`.
 */
export const logPinFlags = {
  'trusted-root': Flags.file({
    description: 'pinned Sigstore TrustedRoot JSON (from `blindbox log trusted-root`)',
    exists: true,
    atLeastOne: ['trusted-root', 'insecure-fetch-log-key'],
  }),
  'insecure-fetch-log-key': Flags.boolean({
    description:
      'without --trusted-root, trust the key the --log URL serves now (anyone answering that URL can then fake the log)',
    dependsOn: ['log'],
  }),
  checkpoints: Flags.string({
    description: "file remembering each log's last checkpoint, to detect a fork across runs",
  }),
};
