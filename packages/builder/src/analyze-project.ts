import { existsSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { AppManifest, EndpointManifest, TypeSchema } from '@blindbox/protocol';
import {
  type ClassDeclaration,
  type Decorator,
  type MethodDeclaration,
  Node,
  Project,
  type SourceFile,
  SyntaxKind,
  ts,
} from 'ts-morph';
import { BuildError } from './build-error.js';
import { isAppModule, listFiles } from './list-project-files.js';
import { builderPackageDir, builderPackageTypesEntry } from './resolve-builder-packages.js';
import { formatLocation, locate, relativePosix } from './source-location.js';
import { compareStrings, type SchemaContext, typeToSchema } from './type-to-schema.js';

const SDK = '@blindbox/sdk';
// Must match the sdk's own check in `enclave()`, so a name the build accepts never fails at start-up.
const APP_NAME = /^[a-z][a-z0-9-]{0,62}$/;
// Names the generated client object already uses: an endpoint called `then` would make the client
// a thenable (so `await connect()` would call it), `session` would hide the session.
const RESERVED_ENDPOINT_NAMES = new Set(['then', 'session', 'constructor', '__proto__']);

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
  const root = realProjectDir(projectDir);
  const version = await readAppVersion(root);
  const modules = await appModules(root, entry);

  const sdkDir = builderPackageDir(SDK);
  // The app's own tsconfig is not read: the schema must not change with its strictness settings
  // (strictNullChecks off would erase `| null`), and '@blindbox/sdk' must resolve to this builder's
  // sdk even when the app folder has no node_modules.
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
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
  const sourceFiles = modules.map((rel) => project.addSourceFileAtPath(join(root, rel)));
  const program = project.getProgram().compilerObject;
  const inRoot = root.endsWith(sep) ? root : root + sep;
  const ctx: SchemaContext = {
    projectDir: root,
    isProjectFile: (file) => resolve(file).startsWith(inRoot) && !file.includes('/node_modules/'),
    isDefaultLibFile: (sf) => program.isSourceFileDefaultLibrary(sf.compilerNode),
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

  const endpoints: EndpointManifest[] = [];
  const seen = new Map<string, string>();
  for (const member of cls.getMembers()) {
    const decorators = Node.isDecoratable(member) ? member.getDecorators() : [];
    const marked = decorators.find(isSdk('endpoint'));
    if (!marked) continue;
    if (!Node.isMethodDeclaration(member)) {
      throw new BuildError('ANALYZE_BAD_SIGNATURE', '@endpoint marks methods only.', {
        at: locate(root, member),
      });
    }
    const endpoint = analyzeEndpoint(root, member, ctx);
    const previous = seen.get(endpoint.name);
    if (previous !== undefined) {
      throw new BuildError(
        'ANALYZE_DUPLICATE_ENDPOINT',
        `endpoint '${endpoint.name}' is already declared at ${previous}; endpoint names must be unique.`,
        { at: locate(root, member.getNameNode()) },
      );
    }
    seen.set(endpoint.name, endpoint.source);
    endpoints.push(endpoint);
  }
  endpoints.sort((a, b) => compareStrings(a.name, b.name));

  return {
    manifestVersion: 1,
    app: { name: appName, version },
    enclave: { className, module: relativePosix(root, cls.getSourceFile().getFilePath()) },
    endpoints,
  };
}

/**
 * The project folder with symlinks resolved: the checker and esbuild report real paths, and
 * relative locations must be computed against the same form (think macOS's /var → /private/var).
 */
export function realProjectDir(projectDir: string): string {
  try {
    return realpathSync(resolve(projectDir));
  } catch (cause) {
    throw new BuildError('ANALYZE_BAD_PROJECT', `project folder ${projectDir} does not exist.`, { cause });
  }
}

async function readAppVersion(root: string): Promise<string> {
  let pkg: { version?: unknown };
  try {
    pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  } catch (cause) {
    throw new BuildError(
      'ANALYZE_BAD_PROJECT',
      'package.json is missing or is not JSON: the app folder needs one with "name" and "version".',
      { cause, at: { file: 'package.json', line: 1, column: 1 } },
    );
  }
  if (typeof pkg.version !== 'string' || pkg.version === '') {
    throw new BuildError('ANALYZE_BAD_PROJECT', 'package.json has no "version": add one, e.g. "0.1.0".', {
      at: { file: 'package.json', line: 1, column: 1 },
    });
  }
  return pkg.version;
}

async function appModules(root: string, entry: string | undefined): Promise<string[]> {
  if (entry !== undefined) {
    const rel = relativePosix(root, resolve(root, entry));
    if (rel.startsWith('../') || !existsSync(join(root, rel))) {
      throw new BuildError(
        'ANALYZE_BAD_PROJECT',
        `entry '${entry}' is not a file inside the project folder.`,
      );
    }
    return [rel];
  }
  const modules = (await listFiles(join(root, 'src'), isAppModule)).map((p) => `src/${p}`);
  if (modules.length === 0) {
    throw new BuildError(
      'ANALYZE_NO_ENCLAVE',
      'no TypeScript modules under src/: put the @enclave class in src/<name>.ts.',
    );
  }
  return modules;
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
        if (d.getName() === 'enclave' || d.getFullName().endsWith('.enclave')) {
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

function analyzeEndpoint(root: string, method: MethodDeclaration, ctx: SchemaContext): EndpointManifest {
  const nameNode = method.getNameNode();
  const at = locate(root, nameNode);
  const bad = (message: string, node: Node = nameNode): BuildError =>
    new BuildError('ANALYZE_BAD_SIGNATURE', message, { at: locate(root, node) });

  if (!Node.isIdentifier(nameNode)) {
    throw bad('an @endpoint method needs a plain identifier name (not computed, quoted or #private).');
  }
  const name = nameNode.getText();
  if (
    method.isStatic() ||
    method.hasModifier(SyntaxKind.PrivateKeyword) ||
    method.hasModifier(SyntaxKind.ProtectedKeyword)
  ) {
    throw bad(`@endpoint '${name}' must be a public instance method.`);
  }
  if (RESERVED_ENDPOINT_NAMES.has(name)) {
    throw bad(`'${name}' is reserved by the generated client; rename the endpoint.`);
  }
  if (method.getOverloads().length > 0) {
    throw bad(`@endpoint '${name}' has overloads; an endpoint has exactly one signature.`);
  }
  const params = method.getParameters();
  const [param] = params;
  if (params.length !== 1 || !param) {
    throw bad(
      `@endpoint '${name}' takes ${params.length} parameters; it must take exactly one object, e.g. \`${name}(req: { … })\`.`,
      params[1] ?? nameNode,
    );
  }
  if (param.isRestParameter() || param.isOptional()) {
    throw bad(`the parameter of @endpoint '${name}' must be a required object, not optional or rest.`, param);
  }
  const paramName = param.getNameNode();
  const input = typeToSchema(
    param.getType(),
    { node: paramName, label: `parameter '${paramName.getText()}'` },
    ctx,
  );
  if (!isObjectSchema(input)) {
    throw bad(
      `the parameter of @endpoint '${name}' must be an object type (e.g. \`{ text: string }\`), so fields can be added later without breaking clients.`,
      param,
    );
  }

  const returnNode = method.getReturnTypeNode() ?? nameNode;
  const returnType = method.getReturnType();
  const resolved =
    returnType.getSymbol()?.getName() === 'Promise' ? returnType.getTypeArguments()[0] : undefined;
  if (!resolved) {
    throw bad(
      `@endpoint '${name}' must return a Promise of an object (make it \`async\`, return type \`Promise<{ … }>\`); found '${returnType.getText(method)}'.`,
      returnNode,
    );
  }
  const output = typeToSchema(resolved, { node: returnNode, label: `the result of '${name}'` }, ctx);
  if (!isObjectSchema(output)) {
    throw bad(
      `@endpoint '${name}' must resolve to an object (e.g. \`Promise<{ ok: boolean }>\`); found '${resolved.getText(method)}'.`,
      returnNode,
    );
  }
  for (const [schema, label, node] of [
    [input, 'parameter', param],
    [output, 'result', returnNode],
  ] as const) {
    const nested = nestedStream(schema, true);
    if (nested !== undefined) {
      throw bad(
        `a byte stream in the ${label} of @endpoint '${name}' must be a top-level member (found at ${nested}): the protocol streams one top-level field (docs/protocol.md §11.3).`,
        node,
      );
    }
  }
  return { name, input, output, source: formatLocation(at) };
}

/** The JSON pointer of a stream marker that is not a top-level member of `schema`, if any. */
function nestedStream(schema: TypeSchema, top: boolean, path = ''): string | undefined {
  if ('x-blindbox-type' in schema)
    return schema['x-blindbox-type'] === 'stream' && !top ? path || '/' : undefined;
  if ('anyOf' in schema) {
    for (const option of schema.anyOf) {
      const found = nestedStream(option, false, path);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!('type' in schema)) return undefined;
  if (schema.type === 'array') return nestedStream(schema.items, false, `${path}/0`);
  if (schema.type !== 'object') return undefined;
  for (const [key, property] of Object.entries(schema.properties)) {
    // Members of the top-level object may stream; anything deeper may not.
    const found = nestedStream(property, top && path === '', `${path}/${key}`);
    if (found !== undefined) return found;
  }
  if (schema.additionalProperties !== false)
    return nestedStream(schema.additionalProperties, false, `${path}/*`);
  return undefined;
}

function isObjectSchema(schema: TypeSchema): boolean {
  if ('type' in schema) return schema.type === 'object';
  if ('anyOf' in schema) return schema.anyOf.every(isObjectSchema);
  return false;
}
