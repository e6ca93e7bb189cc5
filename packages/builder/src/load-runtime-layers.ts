import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { BuildError } from './build-error.js';
import { type FetchContext, fetchPinnedFile, loadExtracted, storeExtracted } from './fetch-pinned-file.js';
import {
  KNOWN_NODE_RUNTIMES,
  NODE_BINARY_PATH,
  PINNED_DEBIAN_PACKAGES,
  type PinnedDebianPackage,
  type PinnedNodeRuntime,
} from './pinned-inputs.js';
import { readArArchive } from './read-ar-archive.js';
import { readTarEntries } from './read-tar-entries.js';
import type { LockedDebianPackage, LockedFile, LockedNodeRuntime, LockFile } from './read-write-lock-file.js';
import type { LayerFile } from './write-tar-layer.js';

const run = promisify(execFile);

/** The npm tarball is about 53 MB; its tar about 200 MB. Bounds against a hostile or broken download. */
const MAX_NODE_TARBALL = 256 * 1024 * 1024;
const MAX_NODE_TAR = 1024 * 1024 * 1024;
const MAX_DEB = 64 * 1024 * 1024;
const MAX_DEB_DATA = 256 * 1024 * 1024;
const MAX_FILE = 512 * 1024 * 1024;

/** Files taken from the Node package: the binary, and its licence (it ships with the binary). */
const NODE_PICKS = [
  { from: 'package/bin/node', to: NODE_BINARY_PATH },
  { from: 'package/LICENSE', to: 'usr/local/share/doc/node/LICENSE' },
] as const;

/** The Node runtime and system library layers of an image, and the lock entries that pin them. */
export interface RuntimeLayers {
  node: { files: LayerFile[]; lock: LockedNodeRuntime };
  libs: { files: LayerFile[]; lock: LockedDebianPackage[] };
}

/**
 * Picks the Node release: the locked one when the lock names the requested version (so that a
 * builder that no longer lists it still rebuilds the same bytes), else one this builder knows.
 */
export function resolveNodeRuntime(version: string, lock: LockFile | undefined): PinnedNodeRuntime {
  if (lock?.node.version === version) {
    return { package: lock.node.package, version, integrity: lock.node.integrity };
  }
  const known = KNOWN_NODE_RUNTIMES.find((r) => r.version === version);
  if (!known) {
    throw new BuildError(
      'RUNTIME_UNKNOWN_VERSION',
      `Node ${version} is not a runtime this builder knows; known versions: ${KNOWN_NODE_RUNTIMES.map((r) => r.version).join(', ')}`,
    );
  }
  return known;
}

/** A file a runtime layer will hold, as pinned: enough to name the layer without reading it. */
export interface PlannedFile {
  path: string;
  mode: number;
  /** Lowercase hex SHA-256 of the file's bytes. */
  sha256: string;
}

/**
 * A runtime layer whose files are known by hash: `load` reads them (from the verified cache, or
 * fetched and verified) only when the build needs their bytes, not when the output folder already
 * holds the layer (see reuse-runtime-layer.ts).
 */
export interface PlannedLayer<L> {
  lock: L;
  files: PlannedFile[];
  load(): Promise<LayerFile[]>;
}

/** The Node runtime and system library layers, planned. */
export interface RuntimeLayerPlans {
  node: PlannedLayer<LockedNodeRuntime>;
  libs: PlannedLayer<LockedDebianPackage[]>;
}

/** Loads (from the cache, or fetched and verified) the files of the runtime and library layers. */
export async function loadRuntimeLayers(
  nodeVersion: string,
  lock: LockFile | undefined,
  ctx: FetchContext,
): Promise<RuntimeLayers> {
  const plans = await planRuntimeLayers(nodeVersion, lock, ctx);
  return {
    node: { files: await plans.node.load(), lock: plans.node.lock },
    libs: { files: await plans.libs.load(), lock: plans.libs.lock },
  };
}

/**
 * Plans the runtime and library layers. Inputs the lock pins are planned from the lock and read
 * on `load`; the others are fetched and verified now (their hashes are not known before).
 */
export async function planRuntimeLayers(
  nodeVersion: string,
  lock: LockFile | undefined,
  ctx: FetchContext,
): Promise<RuntimeLayerPlans> {
  const pin = resolveNodeRuntime(nodeVersion, lock);
  const lockedNode = lock?.node.version === nodeVersion ? lock.node.files : undefined;
  const node = await plan(
    lockedNode,
    (locked) => ({ ...pin, files: locked }),
    () => loadNodeFiles(pin, lockedNode, ctx),
  );
  const debs = lock?.debian.length ? lock.debian.map(lockedToPin) : PINNED_DEBIAN_PACKAGES;
  const plans: PlannedLayer<LockedDebianPackage>[] = [];
  for (const deb of debs) {
    const locked = lock?.debian.find((d) => d.package === deb.package && d.sha256 === deb.sha256)?.files;
    const { picks, ...debPin } = deb;
    plans.push(
      await plan(
        locked,
        (files) => ({ ...debPin, files }),
        () => loadDebianFiles(deb, locked, ctx),
      ),
    );
  }
  const libs: PlannedLayer<LockedDebianPackage[]> = {
    lock: plans.map((p) => p.lock),
    files: plans.flatMap((p) => p.files),
    load: async () => {
      const files: LayerFile[] = [];
      for (const p of plans) files.push(...(await p.load()));
      return files;
    },
  };
  return { node, libs };
}

/**
 * A locked input: planned from the lock, its files read from the cache on `load` (fetched when
 * missing or corrupt). Unlocked: fetched and verified now.
 */
async function plan<F extends LockedFile, L extends { files: Record<string, F> }>(
  locked: Record<string, F> | undefined,
  lockOf: (files: Record<string, F>) => L,
  fetch: () => Promise<{ files: LayerFile[]; lock: L }>,
): Promise<PlannedLayer<L>> {
  if (locked && Object.keys(locked).length > 0) {
    const files = locked;
    return {
      lock: lockOf(files),
      files: plannedFiles(files),
      load: async () => (await fetch()).files,
    };
  }
  const got = await fetch();
  return { lock: got.lock, files: plannedFiles(got.lock.files), load: async () => got.files };
}

function plannedFiles(files: Record<string, LockedFile>): PlannedFile[] {
  return Object.entries(files).map(([path, f]) => ({ path, mode: f.mode, sha256: f.sha256 }));
}

function lockedToPin(d: LockedDebianPackage): PinnedDebianPackage {
  const { files, ...pin } = d;
  return { ...pin, picks: Object.entries(files).map(([to, f]) => ({ from: f.from, to })) };
}

/** Each locked file from the content-addressed cache; `undefined` when any is missing. */
function fromExtractedCache(
  ctx: FetchContext,
  locked: Record<string, LockedFile> | undefined,
): LayerFile[] | undefined {
  if (!locked || Object.keys(locked).length === 0) return undefined;
  const files: LayerFile[] = [];
  for (const [path, f] of Object.entries(locked)) {
    const bytes = loadExtracted(ctx.cacheDir, f.sha256, MAX_FILE);
    if (!bytes) return undefined;
    // loadExtracted just hashed these bytes to `f.sha256`: the measurement reuses it.
    files.push({ path, bytes, mode: f.mode, sha256: Buffer.from(f.sha256, 'hex') });
  }
  return files;
}

async function loadNodeFiles(
  pin: PinnedNodeRuntime,
  locked: Record<string, LockedFile> | undefined,
  ctx: FetchContext,
): Promise<{ files: LayerFile[]; lock: LockedNodeRuntime }> {
  const cachedFiles = fromExtractedCache(ctx, locked);
  if (cachedFiles && locked) return { files: cachedFiles, lock: { ...pin, files: locked } };
  const spec = `${pin.package}@${pin.version}`;
  const tarball = await fetchPinnedFile(
    {
      path: join(ctx.cacheDir, 'npm', `${pin.package}-${pin.version}.tgz`),
      what: spec,
      maxBytes: MAX_NODE_TARBALL,
      matches: (bytes) => sri(bytes) === pin.integrity,
      fetch: async (tmpDir) => {
        await run('npm', ['pack', spec, '--pack-destination', tmpDir, '--silent'], {
          cwd: tmpDir,
          maxBuffer: 1024 * 1024,
        });
        const name = readdirSync(tmpDir).find((f) => f.endsWith('.tgz'));
        if (!name) throw new Error('npm pack wrote no tarball');
        return join(tmpDir, name);
      },
      howTo: `On a machine with access to the npm registry run \`npm pack ${spec}\` (integrity ${pin.integrity}) and copy the .tgz to ${join(ctx.cacheDir, 'npm')}/.`,
    },
    ctx,
  );
  let tar: Buffer;
  try {
    tar = gunzipSync(tarball, { maxOutputLength: MAX_NODE_TAR });
  } catch (cause) {
    throw new BuildError('RUNTIME_FETCH_FAILED', `${spec} does not decompress within ${MAX_NODE_TAR} bytes`, {
      cause,
    });
  }
  const entries = await readTarEntries(tar, spec, (p) => NODE_PICKS.some((pick) => pick.from === p));
  const files = await pickFiles(entries, NODE_PICKS, spec, locked, ctx);
  return { files: files.layer, lock: { ...pin, files: files.locked } };
}

async function loadDebianFiles(
  deb: PinnedDebianPackage,
  locked: Record<string, LockedFile & { from: string }> | undefined,
  ctx: FetchContext,
): Promise<{ files: LayerFile[]; lock: LockedDebianPackage }> {
  const { picks, ...pin } = deb;
  const cachedFiles = fromExtractedCache(ctx, locked);
  if (cachedFiles && locked) return { files: cachedFiles, lock: { ...pin, files: locked } };
  const spec = `${deb.package}=${deb.version}`;
  const file = deb.filename.slice(deb.filename.lastIndexOf('/') + 1);
  const debBytes = await fetchPinnedFile(
    {
      path: join(ctx.cacheDir, 'debian', file),
      what: `Debian package ${deb.package} ${deb.version} (${deb.architecture})`,
      maxBytes: MAX_DEB,
      matches: (bytes) => bytes.length === deb.size && sha256(bytes) === deb.sha256,
      fetch: async (tmpDir) => {
        await run('apt-get', ['download', `${spec}`], { cwd: tmpDir, maxBuffer: 1024 * 1024 });
        const name = readdirSync(tmpDir).find((f) => f.endsWith('.deb'));
        if (!name) throw new Error('apt-get download wrote no .deb');
        return join(tmpDir, name);
      },
      howTo: `Fetch ${deb.filename} (SHA-256 ${deb.sha256}) from a Debian mirror (\`apt-get download ${spec}\` on Debian 12) or, once mirrors drop it, from the Debian snapshot archive (docs/guides/reproducible-images.md), and copy it to ${join(ctx.cacheDir, 'debian')}/.`,
    },
    ctx,
  );
  const data = await debDataTar(debBytes, deb.package);
  const entries = await readTarEntries(data, `${deb.package} data.tar`, (p) =>
    picks.some((k) => k.from === p),
  );
  const picked = await pickFiles(entries, picks, deb.package, locked, ctx);
  const files: LockedDebianPackage['files'] = {};
  for (const pick of picks) {
    const f = picked.locked[pick.to];
    if (f) files[pick.to] = { ...f, from: pick.from };
  }
  return { files: picked.layer, lock: { ...pin, files } };
}

async function debDataTar(debBytes: Buffer, name: string): Promise<Buffer> {
  const member = readArArchive(debBytes, `${name}.deb`).find((m) => m.name.startsWith('data.tar'));
  if (!member) throw new BuildError('RUNTIME_FETCH_FAILED', `${name}.deb has no data.tar member`);
  if (member.name === 'data.tar') return member.bytes;
  if (member.name !== 'data.tar.xz') {
    throw new BuildError('RUNTIME_FETCH_FAILED', `${name}.deb: unsupported ${member.name} (only .xz)`);
  }
  // A CommonJS (webpack) module: Node exposes it as `default`, bundlers as named exports.
  const xz = (await import('xz-decompress')) as typeof import('xz-decompress') & {
    default?: typeof import('xz-decompress');
  };
  const XzReadableStream = xz.XzReadableStream ?? xz.default?.XzReadableStream;
  const stream = new XzReadableStream(new Blob([new Uint8Array(member.bytes)]).stream());
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    // Bounded: a hostile .xz could expand without limit.
    if (total > MAX_DEB_DATA)
      throw new BuildError('RUNTIME_FETCH_FAILED', `${name}.deb data expands past ${MAX_DEB_DATA} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function pickFiles(
  entries: Awaited<ReturnType<typeof readTarEntries>>,
  picks: readonly { from: string; to: string }[],
  what: string,
  locked: Record<string, LockedFile> | undefined,
  ctx: FetchContext,
): Promise<{ layer: LayerFile[]; locked: Record<string, LockedFile> }> {
  const layer: LayerFile[] = [];
  const out: Record<string, LockedFile> = {};
  for (const pick of picks) {
    const entry = entries.find((e) => e.path === pick.from && e.bytes);
    if (!entry?.bytes)
      throw new BuildError('RUNTIME_FETCH_FAILED', `${what} has no regular file ${pick.from}`);
    // Only the permission bits that matter; never setuid/setgid/sticky.
    const mode = entry.mode & 0o111 ? 0o755 : 0o644;
    const hex = await storeExtracted(ctx.cacheDir, entry.bytes);
    const expected = locked?.[pick.to];
    if (expected && (expected.sha256 !== hex || expected.mode !== mode)) {
      throw new BuildError(
        'RUNTIME_INTEGRITY_MISMATCH',
        `${LOCK_NAME} pins ${pick.to} from ${what} at sha256 ${expected.sha256}, but the verified package holds ${hex}`,
      );
    }
    layer.push({ path: pick.to, bytes: entry.bytes, mode });
    out[pick.to] = { sha256: hex, mode };
  }
  return { layer, locked: out };
}

const LOCK_NAME = 'blindbox.lock';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function sri(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}
