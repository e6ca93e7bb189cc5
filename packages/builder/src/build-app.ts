import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AppManifest } from '@blindbox/protocol';
import { analyzeProject, realProjectDir } from './analyze-project.js';
import { BuildError } from './build-error.js';
import { bundleEnclave } from './bundle-enclave.js';
import { canonicalJson, prettyCanonicalJson } from './canonical-json.js';
import { ociDigest } from './digest.js';
import { generateClient } from './generate-client.js';
import { measureImage, type ReleaseMeasurements } from './measure-image.js';
import { builderIdentity } from './resolve-builder-packages.js';
import { compareStrings } from './type-to-schema.js';
import { composeOciImage, type ImageLayer, writeOciLayout } from './write-oci-layout.js';
import {
  createReleaseStatement,
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

/** Output folders a build replaces, each with the file that shows an earlier build wrote it. */
const OWNED_FOLDERS = [
  ['image', 'oci-layout'],
  ['client', 'index.d.ts'],
] as const;

/** How the image starts. The Node runtime layer will provide `node` (a later issue). */
const RUN = { entrypoint: ['node', '/app/main.mjs'], env: ['NODE_ENV=production'], workingDir: '/app' };

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
  const sourceDateEpoch = resolveSourceDateEpoch(options.sourceDateEpoch);
  const builder = builderIdentity();

  const manifest = await analyzeProject(projectDir, options.entry);
  const manifestJson = canonicalJson(manifest);
  const bundle = await bundleEnclave({
    projectDir,
    manifest,
    ...(internals.runtimeModule !== undefined ? { runtimeModule: internals.runtimeModule } : {}),
  });

  // One entry per layer, applied in order. The Node runtime and measured assets become one more line each.
  const layerSpecs: { description: string; files: LayerFile[] }[] = [
    {
      description: 'app',
      files: [
        { path: 'app/main.mjs', bytes: bundle },
        { path: 'app/app-manifest.json', bytes: Buffer.from(manifestJson) },
        { path: 'app/package.json', bytes: Buffer.from(canonicalJson({ type: 'module' })) },
      ],
    },
  ];
  const layers: ImageLayer[] = [];
  for (const spec of layerSpecs) {
    layers.push({ ...spec, tar: await writeTarLayer(spec.files, sourceDateEpoch) });
  }
  const { name, version } = manifest.app;
  const image = composeOciImage({
    layers,
    run: RUN,
    sourceDateEpoch,
    refName: version || 'latest',
    annotations: {
      'org.opencontainers.image.title': name,
      'org.opencontainers.image.version': version,
      'dev.blindbox.app': name,
    },
  });
  const manifestBlob = image.blobs.get(image.manifest.digest.replace(/^sha256:/, ''));
  if (!manifestBlob) throw new BuildError('IMAGE_WRITE_FAILED', 'the image manifest blob is missing');
  const measurements = measureImage({ manifestBytes: manifestBlob, layers, config: image.config });
  const imageDigest = measurements['oci.imageDigest'];

  const release = createReleaseStatement(imageDigest, {
    app: name,
    version,
    measurements,
    appManifestDigest: ociDigest(manifestJson),
    source: { ...(await gitSource(projectDir)), treeDigest: await sourceTreeDigest(projectDir) },
    builder,
    sourceDateEpoch,
  });
  const client = generateClient(manifest, { app: name, version, imageDigest, measurements }, builder.version);

  const files: string[] = [];
  const put = async (rel: string, text: string | Buffer) => {
    await writeFile(join(outDir, rel), text);
    files.push(rel);
  };
  try {
    await mkdir(outDir, { recursive: true });
    // Stale blobs of an earlier build would otherwise remain. Only folders an earlier build wrote
    // are cleared: `--out .` in a project with its own client/ folder must not delete it.
    for (const [folder, marker] of OWNED_FOLDERS) {
      const dir = join(outDir, folder);
      if (!existsSync(dir)) continue;
      if (!existsSync(join(dir, marker))) {
        throw new BuildError(
          'BUILD_BAD_OPTIONS',
          `${folder}/ in the output folder was not written by blindbox build (no ${folder}/${marker}); choose another output folder or remove it.`,
        );
      }
      await rm(dir, { recursive: true, force: true });
    }
    await mkdir(join(outDir, 'client'), { recursive: true });
    files.push(...(await writeOciLayout(join(outDir, 'image'), image)).map((f) => `image/${f}`));
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

function resolveSourceDateEpoch(option: number | undefined): number {
  const raw = option ?? process.env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return 0;
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
