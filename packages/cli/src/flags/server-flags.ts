import { Flags } from '@oclif/core';

/**
 * `--port`: the TCP port a server listens on. `0` lets the OS pick a free one (tests and parallel
 * runs use that and read the URL the command prints).
 */
export function portFlag(options: { default: number; description?: string }) {
  return Flags.integer({
    description: options.description ?? 'port to listen on (0 = any free port)',
    default: options.default,
    min: 0,
    max: 65535,
  });
}

/** `--host`: the address to listen on. Loopback by default: exposing a server is a choice. */
export const hostFlag = Flags.string({ description: 'address to listen on', default: '127.0.0.1' });

/**
 * `--cors-origin`: web origins allowed to call the enclave from a browser (passed to the runtime
 * as `BLINDBOX_CORS_ORIGINS`). Off unless given.
 */
export const corsOriginFlag = Flags.string({
  description: 'web origin allowed to call from browsers (repeatable; * for any)',
  multiple: true,
});

/** The runtime environment for `--cors-origin` values (none when the flag is absent). */
export function corsOriginEnv(origins: readonly string[] | undefined): Record<string, string> {
  return origins ? { BLINDBOX_CORS_ORIGINS: origins.join(',') } : {};
}
