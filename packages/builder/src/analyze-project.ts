import { join, resolve, sep } from 'node:path';
import type { AppManifest, EndpointManifest } from '@blindbox/protocol';
import {
  type ClassDeclaration,
  type Decorator,
  type FileSystemHost,
  Node,
  Project,
  type SourceFile,
  ts,
} from 'ts-morph';
import { analyzeEndpoint, syntaxErrors } from './analysis/analyze-endpoint.js';
import { BuildError } from './build-error.js';
import { type AppSources, readAppSources } from './read-app-sources.js';
import { builderPackageDir, builderPackageTypesEntry } from './resolve-builder-packages.js';
import { formatLocation, locate, relativePosix } from './source-location.js';
import {
  ANALYSIS_GLOBALS_FILE,
  compareStrings,
  type SchemaContext,
  SchemaConverter,
  SUPPORTED_TYPES_HINT,
} from './type-to-schema.js';

const SDK = '@blindbox/sdk';
// Must match the sdk's own check in `enclave()`, so a name the build accepts never fails at start-up.
const APP_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Finds the app's `@enclave` class and its `@endpoint` methods and converts their types into the
 * {@link AppManifest}. Throws {@link BuildError} (with `file:line:column`) for anything the runtime
 * could not serve faithfully.
 *
 * @param projectDir - The app folder: `package.json` (name, version) and `src/**\/*.ts`.
 * @param entry - The module that declares the `@enclave` class, relative to `projectDir`.
 *   Default: every module under `src/` is searched.
 */
export async function analyzeProject(projectDir: string, entry?: string): Promise<AppManifest> {
  return analyzeSources(await readAppSources(projectDir, entry));
}

/**
 * {@link analyzeProject} of sources already listed, reading through `fileSystem` (default: the real
 * one; the analysis cache passes one that records every answer).
 */
export async function analyzeSources(sources: AppSources, fileSystem?: FileSystemHost): Promise<AppManifest> {
  const { root, version, modules } = sources;
  const sdkDir = builderPackageDir(SDK);
  const project = analysisProject(fileSystem);
  const sourceFiles = modules.map((rel) => project.addSourceFileAtPath(join(root, rel)));
  const program = project.getProgram().compilerObject;
  // A file TypeScript cannot parse yields types that are silently wrong: stop at syntax errors.
  const syntax = syntaxErrors(
    root,
    sourceFiles.flatMap((sf) => program.getSyntacticDiagnostics(sf.compilerNode)),
  );
  if (syntax.length > 0) throw collected(syntax);
  const inRoot = root.endsWith(sep) ? root : root + sep;
  const ctx: SchemaContext = {
    projectDir: root,
    isProjectFile: (file) => resolve(file).startsWith(inRoot) && !file.includes('/node_modules/'),
    isDefaultLibFile: (sf) => program.isSourceFileDefaultLibrary(sf.compilerNode),
    checker: program.getTypeChecker(),
  };
  const isSdk = (name: string) => (decorator: Decorator) => resolvesToSdkExport(decorator, name, sdkDir);

  const found: { cls: ClassDeclaration; decorator: Decorator }[] = [];
  for (const sf of sourceFiles) {
    for (const cls of sf.getClasses()) {
      const decorator = cls.getDecorators().find(isSdk('enclave'));
      if (decorator) found.push({ cls, decorator });
    }
  }
  const [first, second] = found;
  if (!first) throw noEnclave(root, sourceFiles);
  if (second) {
    const where = found.map(
      (f) => `${f.cls.getName() ?? '(anonymous)'} at ${formatLocation(locate(root, f.cls))}`,
    );
    throw new BuildError(
      'ANALYZE_MULTIPLE_ENCLAVES',
      `found ${found.length} @enclave classes (${where.join(', ')}); an app has exactly one. Remove @enclave from all but one, or build them as separate apps.`,
      { at: locate(root, second.cls) },
    );
  }

  const { cls, decorator } = first;
  const className = cls.getName();
  if (!className || !cls.isExported() || cls.isDefaultExport()) {
    throw new BuildError(
      'ANALYZE_NOT_EXPORTED',
      `the @enclave class must be a named export (\`export class ${className ?? 'MyApp'} { … }\`), so the generated main module can import it.`,
      { at: locate(root, cls.getNameNode() ?? cls) },
    );
  }
  const appName = enclaveName(root, decorator);

  const converter = new SchemaConverter(ctx);
  const { endpoints, signatureErrors } = collectEndpoints(root, cls, converter, isSdk);
  const errors = [...signatureErrors, ...converter.errors];
  if (errors.length > 0) throw collected(errors);
  endpoints.sort((a, b) => compareStrings(a.name, b.name));
  const definitions = converter.definitions();

  return {
    manifestVersion: 1,
    app: { name: appName, version },
    enclave: { className, module: relativePosix(root, cls.getSourceFile().getFilePath()) },
    endpoints,
    ...(Object.keys(definitions).length > 0 ? { definitions } : {}),
  };
}

/** Every `@endpoint` of the class, in method-name order; signature problems collected, not thrown. */
function collectEndpoints(
  root: string,
  cls: ClassDeclaration,
  converter: SchemaConverter,
  isSdk: (name: string) => (decorator: Decorator) => boolean,
): { endpoints: EndpointManifest[]; signatureErrors: BuildError[] } {
  const signatureErrors: BuildError[] = [];
  const endpoints: EndpointManifest[] = [];
  const seen = new Map<string, string>();
  // Endpoints in name order, so that definition names (and any `_2` suffix) do not depend on the
  // order of methods in the class.
  const members = [...cls.getMembers()].sort((a, b) => compareStrings(memberName(a), memberName(b)));
  for (const member of members) {
    const decorators = Node.isDecoratable(member) ? member.getDecorators() : [];
    const marked = decorators.find(isSdk('endpoint'));
    if (!marked) {
      const impostor = decorators.find(looksLike('endpoint'));
      if (impostor) signatureErrors.push(notFromSdk(root, impostor, 'endpoint'));
      continue;
    }
    if (!Node.isMethodDeclaration(member)) {
      signatureErrors.push(
        new BuildError('ANALYZE_BAD_SIGNATURE', '@endpoint marks methods only.', {
          at: locate(root, member),
        }),
      );
      continue;
    }
    let endpoint: EndpointManifest;
    try {
      endpoint = analyzeEndpoint(root, member, marked, converter);
    } catch (err) {
      if (!(err instanceof BuildError)) throw err;
      signatureErrors.push(err);
      continue;
    }
    const previous = seen.get(endpoint.name);
    if (previous !== undefined) {
      signatureErrors.push(
        new BuildError(
          'ANALYZE_DUPLICATE_ENDPOINT',
          `endpoint '${endpoint.name}' is already declared at ${previous}; endpoint names must be unique.`,
          { at: locate(root, member.getNameNode()) },
        ),
      );
      continue;
    }
    seen.set(endpoint.name, endpoint.source);
    endpoints.push(endpoint);
  }
  return { endpoints, signatureErrors };
}

/**
 * The analysis program. The app's own tsconfig is not read: the schema must not change with its
 * strictness settings (strictNullChecks off would erase `| null`), and '@blindbox/sdk' must resolve
 * to this builder's sdk even when the app folder has no node_modules. Only the ES2023 lib is
 * loaded (no lib.dom.d.ts, no @types): the enclave has no DOM, and lib.dom alone was more than half
 * of the analysis time of a small app. The one web type an endpoint may name, ReadableStream,
 * comes from a small globals file.
 */
function analysisProject(fileSystem: FileSystemHost | undefined): Project {
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    ...(fileSystem ? { fileSystem } : {}),
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2023.d.ts'],
      types: [],
      strict: true,
      exactOptionalPropertyTypes: false,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      customConditions: ['@blindbox/source'],
      paths: { [SDK]: [builderPackageTypesEntry(SDK)] },
    },
  });
  project.createSourceFile(join(builderPackageDir(SDK), '..', ANALYSIS_GLOBALS_FILE), ANALYSIS_GLOBALS, {
    overwrite: true,
  });
  return project;
}

// Structural stand-ins for the web stream types (lib.dom is not loaded): enough for the
// analysis to recognise `ReadableStream<Uint8Array>`; handler bodies are not type-checked here.
const ANALYSIS_GLOBALS = `interface ReadableStream<R = unknown> {
  readonly locked: boolean;
  cancel(reason?: unknown): Promise<void>;
  [Symbol.asyncIterator](): AsyncIterator<R>;
}
declare var ReadableStream: { prototype: ReadableStream; new <R = unknown>(source?: unknown): ReadableStream<R> };
`;

/** One error for the whole analysis: the first problem, with every problem listed and attached. */
function collected(errors: BuildError[]): BuildError {
  const [first] = errors;
  if (!first) throw new Error('no errors to report');
  if (errors.length === 1) return first;
  // The list of supported types is said once, at the end, not after every problem.
  const short = (text: string) => text.replace(` ${SUPPORTED_TYPES_HINT}`, '');
  const hinted = errors.some((e) => e.message.includes(SUPPORTED_TYPES_HINT));
  const rest = errors.slice(1).map((e) => `  ${short(e.message)}`);
  const message = `${short(first.message.slice(locationPrefix(first).length))}\n${errors.length - 1} more problem${errors.length > 2 ? 's' : ''}:\n${rest.join('\n')}${hinted ? `\n${SUPPORTED_TYPES_HINT}` : ''}`;
  const at =
    first.file !== undefined
      ? { file: first.file, line: first.line ?? 1, column: first.column ?? 1 }
      : undefined;
  return new BuildError(first.code, message, { ...(at ? { at } : {}), errors });
}

function locationPrefix(e: BuildError): string {
  return e.file !== undefined ? `${e.file}:${e.line}:${e.column}: ` : '';
}

function memberName(member: Node): string {
  return Node.hasName(member) ? member.getName() : '';
}

function looksLike(name: string) {
  return (d: Decorator) => d.getName() === name || d.getFullName().endsWith(`.${name}`);
}

function notFromSdk(root: string, d: Decorator, name: string): BuildError {
  return new BuildError(
    'ANALYZE_NOT_SDK_DECORATOR',
    `this \`@${d.getName()}\` is not @blindbox/sdk's ${name}: import it with \`import { ${name} } from '${SDK}'\`.`,
    { at: locate(root, d) },
  );
}

/**
 * Whether a decorator's callee is the sdk's export `name`, following imports and aliases to the
 * declaration (`import { enclave as e }`, `import * as sdk`): a local function that happens to be
 * called `enclave` is not the sdk's and must not turn a class into an enclave.
 */
function resolvesToSdkExport(decorator: Decorator, name: string, sdkDir: string): boolean {
  const expr = decorator.getCallExpression()?.getExpression() ?? decorator.getExpression();
  let symbol = expr.getSymbol();
  if (!symbol) return false;
  if (symbol.isAlias()) symbol = symbol.getAliasedSymbol() ?? symbol;
  if (symbol.getName() !== name) return false;
  const inSdk = sdkDir.endsWith(sep) ? sdkDir : sdkDir + sep;
  return symbol.getDeclarations().some((d) => resolve(d.getSourceFile().getFilePath()).startsWith(inSdk));
}

function noEnclave(root: string, sourceFiles: SourceFile[]): BuildError {
  // A decorator spelled `enclave` that does not resolve to the sdk is the likeliest mistake: say so.
  for (const sf of sourceFiles) {
    for (const cls of sf.getClasses()) {
      for (const d of cls.getDecorators()) {
        if (looksLike('enclave')(d)) {
          return new BuildError(
            'ANALYZE_NO_ENCLAVE',
            `class ${cls.getName() ?? '(anonymous)'} is decorated with an \`enclave\` that is not @blindbox/sdk's: import it with \`import { enclave } from '${SDK}'\`.`,
            { at: locate(root, d) },
          );
        }
      }
    }
  }
  return new BuildError(
    'ANALYZE_NO_ENCLAVE',
    `no class decorated with @enclave from '${SDK}' under src/: add \`@enclave({ name: 'my-app' })\` to the exported class that serves the endpoints.`,
  );
}

function enclaveName(root: string, decorator: Decorator): string {
  const [options] = decorator.getArguments();
  const nameProp = Node.isObjectLiteralExpression(options) ? options.getProperty('name') : undefined;
  const init = Node.isPropertyAssignment(nameProp) ? nameProp.getInitializer() : undefined;
  if (!init || !(Node.isStringLiteral(init) || Node.isNoSubstitutionTemplateLiteral(init))) {
    throw new BuildError(
      'ANALYZE_BAD_ENCLAVE_OPTIONS',
      "@enclave needs its name as a string literal, e.g. `@enclave({ name: 'hello' })`: the build reads it without running your code.",
      { at: locate(root, options ?? decorator) },
    );
  }
  const name = init.getLiteralValue();
  if (!APP_NAME.test(name)) {
    throw new BuildError(
      'ANALYZE_BAD_ENCLAVE_OPTIONS',
      `@enclave name ${JSON.stringify(name)} must match [a-z][a-z0-9-]* (at most 63 characters): it names the image and the client package.`,
      { at: locate(root, init) },
    );
  }
  return name;
}
