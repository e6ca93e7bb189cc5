import { readFile } from 'node:fs/promises';
import { fetchLogTrustedRoot } from '@blindbox/transparency';
import { UsageError } from '../base-command.js';

/** The log pinning flags of `logPinFlags` (src/flags/log-pin-flags.ts), plus `--log`, as parsed. */
export interface LogPinFlags {
  'trusted-root'?: string;
  log?: string;
  'insecure-fetch-log-key'?: boolean;
}

/**
 * Reads the pinned TrustedRoot file. Fetching the log's key from `--log` at verification time lets
 * whoever answers that URL impersonate the log, so it happens only with
 * `--insecure-fetch-log-key`, whose name says what it gives up.
 */
export async function trustedRootFromFlags(flags: LogPinFlags): Promise<unknown> {
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
