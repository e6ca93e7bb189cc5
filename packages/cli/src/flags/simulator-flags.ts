import { defaultSimRootDir } from '@blindbox/runtime/simulator';
import { Flags } from '@oclif/core';

const DEFAULT_HINT = '[default: ~/.config/blindbox/simulator]';

/**
 * `--sim-root`: the folder holding the local simulator's root key. The commands that run the
 * simulator sign with it; `verify --allow-simulated` trusts it.
 */
export function simRootFlag(purpose = 'simulator root key folder') {
  return Flags.directory({ description: `${purpose} ${DEFAULT_HINT}` });
}

/** The `--sim-root` value, or the per-user default folder. */
export function simRootDir(flag: string | undefined): string {
  return flag ?? defaultSimRootDir();
}
