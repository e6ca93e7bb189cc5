import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { MeasuredFile } from '@blindbox/attestation/internal';
import { extract } from 'tar-stream';
import { RuntimeError } from '../runtime-error.js';

/** A file of a loaded image: what is measured (path, bytes) and its permission bits (0o755 or 0o644). */
export interface LoadedFile extends MeasuredFile {
  mode: number;
}

/** An image as the simulator loads it: its files (later layers override earlier ones) and how to start it. */
export interface LoadedImage {
  manifestDigest: string;
  files: LoadedFile[];
  entrypoint: string[];
  workingDir: string;
  env: string[];
  /** The config's `User` (`uid:gid`, numeric), or undefined when the image names none. */
  user?: { uid: number; gid: number };
}

/** Bounds of {@link readOciImage}: what a hostile image may cost before it is refused. */
export interface ReadImageLimits {
  /** Largest layer blob, and largest total of decompressed layer bytes. Default: 2 GiB. */
  maxImageBytes?: number;
  /** Largest JSON blob (index, manifest, config). Default: 4 MiB. */
  maxJsonBytes?: number;
}

const DEFAULT_MAX_IMAGE = 2 * 1024 ** 3;
const DEFAULT_MAX_JSON = 4 * 1024 ** 2;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

const invalid = (message: string) => new RuntimeError('RUNTIME_IMAGE_INVALID', message);

/**
 * Reads an OCI image layout (the first manifest of index.json), checking every blob against its
 * digest, and returns the files of its layers. Symlinks, hard links, devices, whiteouts and paths
 * that leave the root are refused: the simulator runs exactly the regular files it measured.
 */
export async function readOciImage(imageDir: string, limits: ReadImageLimits = {}): Promise<LoadedImage> {
  const maxImage = limits.maxImageBytes ?? DEFAULT_MAX_IMAGE;
  const maxJson = limits.maxJsonBytes ?? DEFAULT_MAX_JSON;
  // Sizes are checked before a blob is read whole: a descriptor may not claim more than the bound,
  // and the file on disk must have exactly the size its descriptor says.
  const blob = (d: Descriptor, max = maxJson): Buffer => {
    const m = /^sha256:([0-9a-f]{64})$/.exec(String(d?.digest));
    if (!m?.[1]) throw invalid(`unsupported digest ${d?.digest}`);
    if (!Number.isSafeInteger(d.size) || d.size < 0 || d.size > max) {
      throw invalid(`blob ${d.digest} claims ${d.size} bytes; at most ${max} are accepted`);
    }
    const path = join(imageDir, 'blobs', 'sha256', m[1]);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      throw invalid(`blob ${d.digest} is missing`);
    }
    if (size !== d.size) throw invalid(`blob ${d.digest} has ${size} bytes, descriptor says ${d.size}`);
    const bytes = readFileSync(path);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== m[1]) throw invalid(`blob ${d.digest} does not match its digest (found sha256:${actual})`);
    if (bytes.length !== d.size)
      throw invalid(`blob ${d.digest} has ${bytes.length} bytes, descriptor says ${d.size}`);
    return bytes;
  };
  let index: { manifests?: Descriptor[] };
  try {
    const indexPath = join(imageDir, 'index.json');
    if (statSync(indexPath).size > maxJson) throw new Error(`larger than ${maxJson} bytes`);
    index = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch (err) {
    throw invalid(
      `${imageDir} is not an OCI image layout (index.json unreadable): ${(err as Error).message}`,
    );
  }
  const manifestDesc = index.manifests?.[0];
  if (!manifestDesc) throw invalid('index.json lists no manifest');
  const manifest = JSON.parse(blob(manifestDesc).toString('utf8')) as {
    config: Descriptor;
    layers: Descriptor[];
  };
  const config = JSON.parse(blob(manifest.config).toString('utf8')) as {
    config?: { Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string; Env?: string[]; User?: string };
  };
  const files = new Map<string, LoadedFile>();
  let budget = maxImage;
  for (const layer of manifest.layers ?? []) {
    const raw = blob(layer, budget);
    const tar = layer.mediaType.endsWith('+gzip') ? gunzipBounded(raw, budget, layer.digest) : raw;
    budget -= tar.length;
    for (const entry of await readTar(tar)) {
      if (entry.bytes) files.set(entry.path, { path: entry.path, bytes: entry.bytes, mode: entry.mode });
    }
  }
  // WorkingDir and Env are not measured (README §Measurement): they must not be able to change which
  // code runs. A working directory outside the root would resolve a relative script outside the
  // measured files. In the environment, NODE_OPTIONS (--import=data:…), NODE_PATH, LD_PRELOAD,
  // OPENSSL_CONF and the like inject code, and BLINDBOX_* settings belong to whoever runs the
  // simulator (BLINDBOX_RELEASE_FILE would serve a host file): only inert variables are accepted.
  const workingDir = config.config?.WorkingDir ?? '/';
  if (workingDir.replace(/^\/+/, '') !== '') normalize(workingDir);
  const env = config.config?.Env ?? [];
  for (const kv of env) {
    const name = kv.slice(0, kv.indexOf('='));
    if (!kv.includes('=') || !/^(NODE_ENV|TZ|LANG|LC_[A-Z]+)$/.test(name)) {
      throw invalid(
        `image environment entry ${JSON.stringify(kv)} is not allowed: the environment is not measured, so only NODE_ENV, TZ, LANG and LC_* may be set`,
      );
    }
  }
  const user = parseUser(config.config?.User);
  return {
    manifestDigest: manifestDesc.digest,
    files: [...files.values()],
    entrypoint: [...(config.config?.Entrypoint ?? []), ...(config.config?.Cmd ?? [])],
    workingDir,
    env,
    ...(user ? { user } : {}),
  };
}

/**
 * Decompresses a gzip layer with a bound on its output: a small gzip can expand without limit
 * (2 MB to 2 GiB), and the bound is checked by zlib while it inflates, not after.
 */
function gunzipBounded(raw: Buffer, max: number, digest: string): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: Math.max(1, max) });
  } catch (err) {
    throw invalid(`layer ${digest} does not decompress within ${max} bytes: ${(err as Error).message}`);
  }
}

/** `uid:gid` (numeric only: the simulator resolves no names), or undefined. */
function parseUser(user: string | undefined): { uid: number; gid: number } | undefined {
  if (user === undefined || user === '') return undefined;
  const m = /^(\d{1,9})(?::(\d{1,9}))?$/.exec(user);
  if (!m?.[1]) throw invalid(`image User ${JSON.stringify(user)} must be numeric uid[:gid]`);
  const uid = Number(m[1]);
  return { uid, gid: m[2] === undefined ? uid : Number(m[2]) };
}

async function readTar(tar: Buffer): Promise<{ path: string; bytes?: Uint8Array; mode: number }[]> {
  const out: { path: string; bytes?: Uint8Array; mode: number }[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        try {
          const path = normalize(header.name);
          // Only the execute bit is kept: no setuid, setgid, sticky or world-writable files.
          const mode = (header.mode ?? 0) & 0o100 ? 0o755 : 0o644;
          if (header.type === 'file') out.push({ path, bytes: new Uint8Array(Buffer.concat(chunks)), mode });
          else if (header.type === 'directory') out.push({ path, mode: 0o755 });
          else
            throw invalid(
              `layer entry ${header.name} has type ${header.type}; only files and directories are allowed`,
            );
          next();
        } catch (err) {
          reject(err);
        }
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', (err) => reject(invalid(`layer is not a valid tar: ${err.message}`)));
  });
  Readable.from([tar]).pipe(ex);
  await done;
  return out;
}

function normalize(name: string): string {
  const path = name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  const parts = path.split('/');
  if (
    path === '' ||
    parts.some((p) => p === '..' || p === '.' || p === '') ||
    parts.some((p) => p.startsWith('.wh.'))
  ) {
    throw invalid(`layer entry ${JSON.stringify(name)} is not a plain relative path`);
  }
  return path;
}
