import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { MeasuredFile } from '@blindbox/attestation/internal';
import { extract } from 'tar-stream';
import { RuntimeError } from '../runtime-error.js';

/** An image as the simulator loads it: its files (later layers override earlier ones) and how to start it. */
export interface LoadedImage {
  manifestDigest: string;
  files: MeasuredFile[];
  entrypoint: string[];
  workingDir: string;
  env: string[];
}

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
export async function readOciImage(imageDir: string): Promise<LoadedImage> {
  const blob = (d: Descriptor): Buffer => {
    const m = /^sha256:([0-9a-f]{64})$/.exec(d.digest);
    if (!m?.[1]) throw invalid(`unsupported digest ${d.digest}`);
    const bytes = readFileSync(join(imageDir, 'blobs', 'sha256', m[1]));
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== m[1]) throw invalid(`blob ${d.digest} does not match its digest (found sha256:${actual})`);
    if (bytes.length !== d.size)
      throw invalid(`blob ${d.digest} has ${bytes.length} bytes, descriptor says ${d.size}`);
    return bytes;
  };
  let index: { manifests?: Descriptor[] };
  try {
    index = JSON.parse(readFileSync(join(imageDir, 'index.json'), 'utf8'));
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
    config?: { Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string; Env?: string[] };
  };
  const files = new Map<string, Uint8Array>();
  for (const layer of manifest.layers) {
    const raw = blob(layer);
    const tar = layer.mediaType.endsWith('+gzip') ? gunzipSync(raw) : raw;
    for (const entry of await readTar(tar)) {
      if (entry.bytes) files.set(entry.path, entry.bytes);
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
  return {
    manifestDigest: manifestDesc.digest,
    files: [...files].map(([path, bytes]) => ({ path, bytes })),
    entrypoint: [...(config.config?.Entrypoint ?? []), ...(config.config?.Cmd ?? [])],
    workingDir,
    env,
  };
}

async function readTar(tar: Buffer): Promise<{ path: string; bytes?: Uint8Array }[]> {
  const out: { path: string; bytes?: Uint8Array }[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        try {
          const path = normalize(header.name);
          if (header.type === 'file') out.push({ path, bytes: new Uint8Array(Buffer.concat(chunks)) });
          else if (header.type === 'directory') out.push({ path });
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
