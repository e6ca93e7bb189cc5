import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The user's BlindBox cache: `$BLINDBOX_CACHE_DIR`, else `$XDG_CACHE_HOME/blindbox`, else
 * `~/.cache/blindbox`. It holds downloaded runtime inputs, each checked against its pinned hash
 * every time it is used: the cache is a convenience, never trusted.
 */
export function resolveCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BLINDBOX_CACHE_DIR) return env.BLINDBOX_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'blindbox');
  return join(homedir(), '.cache', 'blindbox');
}

/** True when `BLINDBOX_OFFLINE` asks the build never to fetch (values 1/true). */
export function offlineFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BLINDBOX_OFFLINE === '1' || env.BLINDBOX_OFFLINE === 'true';
}
