import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { BuildError } from './build-error.js';
import { listFiles } from './list-project-files.js';
import { DEFAULT_NODE_VERSION } from './pinned-inputs.js';
import { type PlatformConfig, readPlatformConfig } from './read-platform-config.js';
import type { LayerFile } from './write-tar-layer.js';

/** The app's build configuration file, in the project folder. */
export const CONFIG_FILE = 'blindbox.config.json';

/** Where assets are in the image; the app reads `/assets/<path in the project>` at run time. */
export const ASSETS_ROOT = 'assets';

/** `blindbox.config.json` (every field optional). */
export interface AppConfig {
  runtime: {
    /** Exact Node release of the runtime layer. Default: {@link DEFAULT_NODE_VERSION}. */
    node: string;
  };
  /**
   * Files or folders (relative to the project) placed, measured, in an `assets` layer at
   * `/assets/<path>`: model weights, dictionaries. Never downloaded at start-up. Default: none.
   */
  assets: string[];
  /** The port the image declares (`ExposedPorts`) and the enclave listens on. Default: 8080. */
  port: number;
  /**
   * The TEE platforms the app is released for, with the vendor's reference values and where the
   * derived ones come from (docs/guides/platform-values.md). Default: none (simulator and image digest only).
   */
  platforms?: PlatformConfig;
}

/** Reads `<projectDir>/blindbox.config.json`; absent → defaults. Unknown keys are refused (typos). */
export function readAppConfig(projectDir: string): AppConfig {
  const file = join(projectDir, CONFIG_FILE);
  const config: AppConfig = { runtime: { node: DEFAULT_NODE_VERSION }, assets: [], port: 8080 };
  if (!existsSync(file)) return config;
  const bad = (why: string) => new BuildError('BUILD_BAD_OPTIONS', `${CONFIG_FILE}: ${why}`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw bad(`not valid JSON (${(cause as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('must be a JSON object');
  for (const key of Object.keys(raw)) {
    if (!['runtime', 'assets', 'port', 'platforms', '$schema'].includes(key))
      throw bad(`unknown key ${JSON.stringify(key)}`);
  }
  if (raw.runtime !== undefined) {
    const runtime = raw.runtime as Record<string, unknown>;
    if (
      typeof runtime !== 'object' ||
      runtime === null ||
      typeof runtime.node !== 'string' ||
      !/^\d+\.\d+\.\d+$/.test(runtime.node)
    ) {
      throw bad('runtime.node must be an exact Node version such as "24.22.3"');
    }
    config.runtime.node = runtime.node;
  }
  if (raw.assets !== undefined) {
    if (!Array.isArray(raw.assets) || raw.assets.some((a) => typeof a !== 'string' || a === '')) {
      throw bad('assets must be a list of paths relative to the project');
    }
    config.assets = raw.assets as string[];
  }
  if (raw.port !== undefined) {
    if (!Number.isInteger(raw.port) || (raw.port as number) < 1 || (raw.port as number) > 65535) {
      throw bad('port must be an integer from 1 to 65535');
    }
    config.port = raw.port as number;
  }
  if (raw.platforms !== undefined) config.platforms = readPlatformConfig(raw.platforms);
  return config;
}

/**
 * The files of the declared assets, at `assets/<path>`. An asset must stay inside the project
 * (no absolute path, no `..`, no symlink leading out: a build must not pack a host file the
 * source does not show), and must exist: a missing asset is an error naming it.
 */
export async function loadAssetFiles(projectDir: string, assets: readonly string[]): Promise<LayerFile[]> {
  const root = realpathSync(projectDir);
  const files = new Map<string, LayerFile>();
  for (const asset of assets) {
    const rel = assetPath(root, asset);
    const abs = join(root, rel);
    const stat = lstatSync(abs);
    if (stat.isDirectory()) {
      for (const child of await listFiles(abs)) {
        const path = `${ASSETS_ROOT}/${rel}/${child}`;
        files.set(path, { path, bytes: readFileSync(join(abs, child)) });
      }
    } else if (stat.isFile()) {
      const path = `${ASSETS_ROOT}/${rel}`;
      files.set(path, { path, bytes: readFileSync(abs) });
    } else {
      throw new BuildError('ASSET_INVALID', `asset ${JSON.stringify(asset)} is neither a file nor a folder`);
    }
  }
  return [...files.values()];
}

/** `path` as a POSIX path relative to the project root, or why it is not one. */
function insideProject(root: string, path: string): string | { why: string } {
  if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) return { why: 'leaves the project folder' };
  const abs = join(root, path);
  if (!existsSync(abs)) return { why: 'does not exist' };
  const rel = relative(root, realpathSync(abs));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    return { why: 'leaves the project folder (through a symlink)' };
  }
  return rel.split(sep).join('/');
}

/** `asset` as a POSIX path relative to the project root, or a BuildError. */
function assetPath(root: string, asset: string): string {
  const rel = insideProject(root, asset);
  if (typeof rel !== 'string')
    throw new BuildError('ASSET_INVALID', `asset ${JSON.stringify(asset)} ${rel.why}`);
  return rel;
}

/**
 * The absolute path of a file the config names (`what`: its key), which must be inside the project
 * like an asset: the build reads no host file that the source does not show.
 */
export function projectFilePath(projectDir: string, path: string, what: string): string {
  const root = realpathSync(projectDir);
  const rel = insideProject(root, path);
  if (typeof rel !== 'string') {
    throw new BuildError('BUILD_BAD_OPTIONS', `${CONFIG_FILE}: ${what} ${JSON.stringify(path)} ${rel.why}`);
  }
  return join(root, rel);
}
