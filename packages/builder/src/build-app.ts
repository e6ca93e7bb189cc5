import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AppManifest } from '@blindbox/protocol';
import { BuildError } from './build-error.js';
import { bundleEnclave } from './bundle-enclave.js';
import { analyzeWithCache } from './cached-analysis.js';
import { canonicalJson, prettyCanonicalJson } from './canonical-json.js';
import { compareStrings } from './compare-strings.js';
import { workloadSpecOf } from './deploy-k8s/index.js';
import { ociDigest, sha256Hex } from './digest.js';
import { generateClient } from './generate-client.js';
import { planRuntimeLayers } from './load-runtime-layers.js';
import { measureImage, type ReleaseMeasurements } from './measure-image.js';
import { NODE_BINARY_PATH } from './pinned-inputs.js';
import { platformMeasurements } from './platform-measurements.js';
import { loadAssetFiles, readAppConfig } from './read-app-config.js';
import { realProjectDir } from './read-app-sources.js';
import { readLockFile, writeLockFile } from './read-write-lock-file.js';
import { builderIdentity } from './resolve-builder-packages.js';
import { offlineFromEnv, resolveCacheDir } from './resolve-cache-dir.js';
import { runtimeLayer } from './reuse-runtime-layer.js';
import { writeOciArchive } from './write-oci-archive.js';
import { composeOciImage, type ImageLayer, pruneOciLayout, writeOciLayout } from './write-oci-layout.js';
import {
  createReleaseStatement,
  gitCommitTime,
  gitSource,
  type ReleaseStatement,
  sourceTreeDigest,
} from './write-release-statement.js';
import { assertTarTimestamp, type LayerFile, writeTarLayer } from './write-tar-layer.js';

/** Options of {@link buildApp}. */
export interface BuildOptions {
  /** The app folder: `package.json` (name, version) and `src/**\/*.ts` with one `@enclave` class. */
  projectDir: string;
  /** Where to write the build (see the README for the layout). The CLI defaults it to `<projectDir>/.blindbox/build`. */
  outDir: string;
  /**
   * Timestamp (seconds since the Unix epoch) of every file and of the image config.
   * Default: the `SOURCE_DATE_EPOCH` environment variable, or 0.
   */
  sourceDateEpoch?: number;
  /** The module that declares the `@enclave` class, relative to `projectDir`. Default: found among `src/**\/*.ts`. */
  entry?: string;
  /** Cache of downloaded runtime inputs. Default: `resolveCacheDir()` (`$XDG_CACHE_HOME/blindbox` or `~/.cache/blindbox`). */
  cacheDir?: string;
  /** Never fetch: runtime inputs must be in the cache. Default: `BLINDBOX_OFFLINE=1`, else false. */
  offline?: boolean;
  /** Also write the image as an `oci-archive` tarball, `image.tar`. Default: false. */
  archive?: boolean;
  /** Write `blindbox.lock` into the project when it changed. Default: true (`reproduce` turns it off). */
  writeLock?: boolean;
  /** Progress messages (fetches, cache repairs). Default: silent. */
  log?: (message: string) => void;
  /**
   * The repository and commit recorded in the image labels and the release. Default: read from git
   * (`origin` and `HEAD`). `reproduce` passes the release's, since its clean copy has no `.git`.
   */
  source?: { repository?: string; commit?: string };
  /**
   * Reuse what earlier builds computed from the same inputs (the analysis when no file it read
   * changed, runtime layers already in the output folder). Default: true; `reproduce` turns it off
   * so that a rebuild recomputes everything.
   */
  reuseCache?: boolean;
  /** The npm name of the generated client package, e.g. `@acme/transcriber-client`. Default: `<app>-client`. */
  clientPackageName?: string;
}

/** What {@link buildApp} wrote and measured. */
export interface BuildResult {
  /** Absolute path of the build folder. */
  outDir: string;
  manifest: AppManifest;
  /** `sha256:<hex>` of the image manifest. */
  imageDigest: string;
  measurements: ReleaseMeasurements;
  /** The unsigned release statement written to `release.json`. */
  release: ReleaseStatement;
  /** Absolute path of the generated client package. */
  clientDir: string;
  /** Every file written, relative to `outDir`, POSIX, sorted. */
  files: string[];
}

/** Test-only knobs; not part of the public API. */
export interface BuildInternals {
  /** See {@link BundleEnclaveOptions.runtimeModule}. */
  runtimeModule?: string;
}

/** Output folders a build replaces, each with the files that show an earlier build wrote it (any one). */
const OWNED_FOLDERS = [
  ['image', ['oci-layout']],
  // index.d.ts: the client of earlier builds, which wrote its code at the package root.
  ['client', ['dist/index.d.ts', 'index.d.ts']],
] as const;

/** How the image starts: the image's own Node binary (runtime layer) on the bundle (app layer). */
const RUN = {
  entrypoint: [`/${NODE_BINARY_PATH}`, '/app/main.mjs'],
  env: ['NODE_ENV=production'],
  workingDir: '/app',
  // Not root: the enclave process needs no privilege (docs/guides/reproducible-images.md).
  user: '1000:1000',
};

/** Accounts the image names, so that tools resolving the user (and Node's os.userInfo) find it. */
const ETC_FILES = [
  {
    path: 'etc/passwd',
    bytes: Buffer.from('root:x:0:0:root:/:/sbin/nologin\nblindbox:x:1000:1000:blindbox:/app:/sbin/nologin\n'),
  },
  { path: 'etc/group', bytes: Buffer.from('root:x:0:\nblindbox:x:1000:\n') },
];

/** The image config's labels: where the source lives, which commit, which app. */
function imageLabels(source: { repository?: string; commit?: string }, app: string): Record<string, string> {
  return {
    ...(source.repository ? { 'org.opencontainers.image.source': source.repository } : {}),
    ...(source.commit ? { 'org.opencontainers.image.revision': source.commit } : {}),
    'dev.blindbox.app': app,
  };
}

/**
 * Analyses, bundles, images, measures and releases an app, and generates its typed client.
 * Same sources, builder and `sourceDateEpoch` → byte-identical output, on any machine and in any
 * folder or time zone.
 */
export function buildApp(options: BuildOptions): Promise<BuildResult> {
  return buildAppWith(options, {});
}

/** {@link buildApp} with test-only knobs. Not exported from the package. */
export async function buildAppWith(options: BuildOptions, internals: BuildInternals): Promise<BuildResult> {
  const projectDir = realProjectDir(options.projectDir);
  const outDir = resolve(options.outDir);
  const imageDir = join(outDir, 'image');
  const builder = builderIdentity();
  const config = readAppConfig(projectDir);
  const lock = readLockFile(projectDir);
  const cacheDir = options.cacheDir ?? resolveCacheDir();
  const reuse = options.reuseCache !== false;
  const fetchContext = {
    cacheDir,
    offline: options.offline ?? offlineFromEnv(),
    ...(options.log ? { log: options.log } : {}),
  };
  // Independent steps at once (git runs in child processes); the first failure in this order wins.
  const [sourceDateEpoch, runtime, assets, source, treeDigest, manifest] = await inOrder([
    resolveSourceDateEpoch(options.sourceDateEpoch, projectDir),
    planRuntimeLayers(config.runtime.node, lock, fetchContext),
    loadAssetFiles(projectDir, config.assets),
    options.source ?? gitSource(projectDir),
    sourceTreeDigest(projectDir),
    analyzeWithCache(projectDir, options.entry, { cacheDir, reuse }),
  ] as const);
  const manifestJson = canonicalJson(manifest);

  // The runtime layers are checked (or built) while esbuild bundles in its own process.
  const layerContext = {
    cacheDir,
    imageDir,
    // Only a layout an earlier build wrote is reused (see the check below).
    reuse: reuse && existsSync(join(imageDir, 'oci-layout')),
    sourceDateEpoch,
  };
  const [bundle, libs, node] = await inOrder([
    bundleEnclave({
      projectDir,
      manifest,
      ...(internals.runtimeModule !== undefined ? { runtimeModule: internals.runtimeModule } : {}),
    }),
    runtimeLayer(
      'libs',
      [
        ...runtime.libs.files,
        ...ETC_FILES.map((f) => ({ path: f.path, mode: 0o644, sha256: sha256Hex(f.bytes) })),
      ],
      async () => [...(await runtime.libs.load()), ...ETC_FILES],
      layerContext,
    ),
    runtimeLayer(`node ${config.runtime.node}`, runtime.node.files, () => runtime.node.load(), layerContext),
  ] as const);

  // One entry per layer, applied in order: what changes least first.
  const appFiles: LayerFile[] = [
    { path: 'app/main.mjs', bytes: bundle },
    { path: 'app/app-manifest.json', bytes: Buffer.from(manifestJson) },
    { path: 'app/package.json', bytes: Buffer.from(canonicalJson({ type: 'module' })) },
  ];
  const layers: ImageLayer[] = [libs, node];
  if (assets.length > 0) {
    layers.push({ description: 'assets', files: assets, tar: await writeTarLayer(assets, sourceDateEpoch) });
  }
  layers.push({ description: 'app', files: appFiles, tar: await writeTarLayer(appFiles, sourceDateEpoch) });
  const kept = new Set([libs, node].filter((l) => l.reused).map((l) => l.digest));
  const { name, version } = manifest.app;
  const image = composeOciImage({
    layers,
    run: {
      ...RUN,
      port: config.port,
      labels: imageLabels(source, name),
    },
    sourceDateEpoch,
    refName: version || 'latest',
    annotations: {
      'org.opencontainers.image.title': name,
      'org.opencontainers.image.version': version,
      'dev.blindbox.app': name,
    },
  });
  const measured = measureImage({ manifestBytes: image.manifestBytes, layers, config: image.config });
  const imageDigest = measured['oci.imageDigest'];
  // The configured platforms' values (reference values, initdata and ccePolicy digests) join the
  // image's own: the release lists everything a client must find in the evidence.
  const measurements: ReleaseMeasurements = {
    ...platformMeasurements(config.platforms, {
      projectDir,
      workload: workloadSpecOf(imageDigest, image.config as unknown as Record<string, unknown>),
    }),
    ...measured,
  };

  const release = createReleaseStatement(imageDigest, {
    app: name,
    version,
    measurements,
    appManifestDigest: ociDigest(manifestJson),
    source: { ...source, treeDigest },
    builder,
    sourceDateEpoch,
  });
  const client = generateClient(
    manifest,
    { app: name, version, imageDigest, measurements },
    builder.version,
    options.clientPackageName !== undefined ? { packageName: options.clientPackageName } : {},
  );

  const files: string[] = [];
  const put = async (rel: string, text: string | Buffer) => {
    await writeFile(join(outDir, rel), text);
    files.push(rel);
  };
  try {
    await mkdir(outDir, { recursive: true });
    // Stale blobs of an earlier build would otherwise remain. Only folders an earlier build wrote
    // are cleared: `--out .` in a project with its own client/ folder must not delete it.
    for (const [folder, markers] of OWNED_FOLDERS) {
      const dir = join(outDir, folder);
      if (!existsSync(dir)) continue;
      if (!markers.some((marker) => existsSync(join(dir, marker)))) {
        throw new BuildError(
          'BUILD_BAD_OPTIONS',
          `${folder}/ in the output folder was not written by blindbox build (no ${folder}/${markers[0]}); choose another output folder or remove it.`,
        );
      }
      // The layout keeps the runtime blobs just verified; everything else goes.
      if (folder === 'image') await pruneOciLayout(dir, kept);
      else await rm(dir, { recursive: true, force: true });
    }
    await mkdir(join(outDir, 'client', 'dist'), { recursive: true });
    files.push(...(await writeOciLayout(imageDir, image, kept)).map((f) => `image/${f}`));
    const archivePath = join(outDir, 'image.tar');
    if (options.archive) await put('image.tar', await writeOciArchive(image, sourceDateEpoch));
    else await rm(archivePath, { force: true });
    if (options.writeLock !== false) {
      await writeLockFile(projectDir, {
        lockfileVersion: 1,
        node: runtime.node.lock,
        debian: runtime.libs.lock,
      });
    }
    await put('app-manifest.json', manifestJson);
    await put('release.json', prettyCanonicalJson(release));
    await put('build.json', canonicalJson({ app: name, version, imageDigest, measurements }));
    for (const [file, text] of Object.entries(client)) await put(`client/${file}`, text);
  } catch (cause) {
    if (cause instanceof BuildError) throw cause;
    throw new BuildError('IMAGE_WRITE_FAILED', `could not write the build to ${outDir}: ${String(cause)}`, {
      cause,
    });
  }

  return {
    outDir,
    manifest,
    imageDigest,
    measurements,
    release,
    clientDir: join(outDir, 'client'),
    files: files.sort(compareStrings),
  };
}

/**
 * Awaits every promise (none is left to reject unobserved) and throws the first failure in the
 * order given, not in the order they happened: the error a build reports does not depend on timing.
 */
async function inOrder<T extends readonly unknown[]>(
  promises: { readonly [K in keyof T]: Promise<T[K]> | T[K] },
): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * `option`, else `$SOURCE_DATE_EPOCH`, else the commit time of `HEAD` when the project is in a git
 * work tree, else 0: never the clock.
 */
async function resolveSourceDateEpoch(option: number | undefined, projectDir: string): Promise<number> {
  const raw = option ?? process.env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return (await gitCommitTime(projectDir)) ?? 0;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (typeof raw === 'string' && !/^\d+$/.test(raw)) {
    throw new BuildError(
      'BUILD_BAD_OPTIONS',
      `SOURCE_DATE_EPOCH must be a non-negative integer number of seconds, got ${JSON.stringify(raw)}`,
    );
  }
  assertTarTimestamp(value);
  return value;
}
