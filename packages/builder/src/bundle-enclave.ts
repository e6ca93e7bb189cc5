import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppManifest } from '@blindbox/protocol';
import { build, type Message, type Plugin } from 'esbuild';
import { BuildError } from './build-error.js';
import { canonicalJson } from './canonical-json.js';
import { compileValidators } from './codegen/compile-validators.js';
import { builderPackageDir } from './resolve-builder-packages.js';
import { relativePosix } from './source-location.js';

/** Options of {@link bundleEnclave}. */
export interface BundleEnclaveOptions {
  /** The app folder; `manifest.enclave.module` is relative to it. */
  projectDir: string;
  /** The analysed manifest: inlined into the bundle and names the class to serve. */
  manifest: AppManifest;
  /**
   * Module to bundle in place of `@blindbox/runtime` (absolute path). Tests only, for when the real
   * runtime cannot be bundled; a real build always bundles the builder's own runtime. Default: none.
   */
  runtimeModule?: string;
}

// These must come from the builder's installation, never from the app's node_modules: the sdk's
// decorator registry and the runtime that reads it must be one module instance, and the image
// must contain exactly the runtime this builder was released with.
const BUILDER_PACKAGES = /^@blindbox\/(sdk|runtime)(\/.*)?$/;
const here = dirname(fileURLToPath(import.meta.url));

/**
 * Bundles the generated main module, the app and the BlindBox runtime into one ESM file
 * (`app/main.mjs` in the image), deterministically: the bytes depend on the sources and on the
 * pinned esbuild version only, never on the folders they were read from.
 */
export async function bundleEnclave(options: BundleEnclaveOptions): Promise<Uint8Array> {
  const root = resolve(options.projectDir);
  const { className, module } = options.manifest.enclave;
  // Aliased import: the class name cannot collide with the names the main module declares.
  // The validators are compiled here, from the manifest, so the enclave compiles nothing at start-up.
  const main = [
    `import { runEnclave, validatorSupport } from '@blindbox/runtime';`,
    `import { ${className} as EnclaveClass } from ${JSON.stringify(resolve(root, module))};`,
    `const manifest = ${canonicalJson(options.manifest)};`,
    `const validators = ${compileValidators(options.manifest, 'validatorSupport')};`,
    'await runEnclave({ manifest, enclaveClass: EnclaveClass, validators });',
    '',
  ].join('\n');

  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      stdin: { contents: main, resolveDir: root, sourcefile: 'blindbox-main.mjs', loader: 'js' },
      absWorkingDir: root,
      bundle: true,
      write: false,
      outfile: 'main.mjs',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // The @blindbox packages ship their TypeScript sources: bundling those makes the image
      // independent of whether (and with which tsc) their dist was built.
      conditions: ['@blindbox/source', 'module'],
      // Unminified bundles carry `// path` comments; whitespace minification drops them, and
      // keepNames keeps class and function names that error messages and `name` checks rely on.
      minifyWhitespace: true,
      keepNames: true,
      legalComments: 'none',
      sourcemap: false,
      charset: 'utf8',
      // Fixed TypeScript settings instead of the app's tsconfig: TC39 decorators, lowered for node20.
      tsconfigRaw: {
        compilerOptions: {
          experimentalDecorators: false,
          useDefineForClassFields: true,
          verbatimModuleSyntax: false,
        },
      },
      // Some dependencies call require() for Node built-ins, which ESM output lacks.
      banner: {
        js: "import { createRequire as __blindboxCreateRequire } from 'node:module'; const require = __blindboxCreateRequire(import.meta.url);",
      },
      plugins: [builderPackages(options.runtimeModule)],
      logLevel: 'silent',
    });
  } catch (cause) {
    const errors = (cause as { errors?: Message[] }).errors ?? [];
    throw new BuildError(
      'BUNDLE_FAILED',
      `esbuild could not bundle the enclave:\n${formatMessages(root, errors)}`,
      {
        cause,
      },
    );
  }
  const [output] = result.outputFiles ?? [];
  if (!output) throw new BuildError('BUNDLE_FAILED', 'esbuild produced no output');
  assertNoMachinePaths(output.text, [root, ...builderRoots()]);
  return output.contents;
}

function builderPackages(runtimeModule: string | undefined): Plugin {
  return {
    name: 'blindbox:builder-packages',
    setup(b) {
      b.onResolve({ filter: BUILDER_PACKAGES }, async (args) => {
        if (args.pluginData === 'blindbox:resolved-from-builder') return undefined;
        if (runtimeModule !== undefined && args.path === '@blindbox/runtime') return { path: runtimeModule };
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: here,
          pluginData: 'blindbox:resolved-from-builder',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.path, external: resolved.external, sideEffects: resolved.sideEffects };
      });
    },
  };
}

/** Folders whose absolute names must never reach the image: where the builder and its packages live. */
function builderRoots(): string[] {
  return ['@blindbox/runtime', '@blindbox/sdk'].map((name) => dirname(dirname(builderPackageDir(name))));
}

// A path in the image would make the image digest depend on where it was built (and leak it).
function assertNoMachinePaths(text: string, roots: string[]): void {
  for (const root of roots) {
    // A path inside the folder, or the folder itself as a string literal. Not a bare substring: a
    // project in `/app` must not trip over the text "/app" in some URL.
    const forms = [`${root}/`, `"${root}"`, `'${root}'`, `\`${root}\``];
    if (root.length > 1 && forms.some((f) => text.includes(f))) {
      throw new BuildError(
        'BUNDLE_NOT_DETERMINISTIC',
        'the bundle contains an absolute path of this machine, so the image would not be reproducible elsewhere; a dependency probably embeds __filename or import.meta paths at build time.',
      );
    }
  }
}

function formatMessages(root: string, messages: Message[]): string {
  return messages
    .map((m) => {
      const loc = m.location;
      const where = loc
        ? `${relativePosix(root, resolve(root, loc.file))}:${loc.line}:${loc.column + 1}: `
        : '';
      return `  ${where}${m.text}`;
    })
    .join('\n');
}
