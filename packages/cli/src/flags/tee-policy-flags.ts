import { Flags } from '@oclif/core';

/** `--allow-debug`: the one way to accept a debug-mode TEE, whose memory the host can read. */
export const allowDebugFlag = Flags.boolean({
  description: 'accept a TEE in debug mode (its memory is readable by the host)',
});
