import type { EndpointManifest, TypeSchema } from '@blindbox/protocol';
import { type Decorator, type MethodDeclaration, Node, SyntaxKind, ts } from 'ts-morph';
import { BuildError } from '../build-error.js';
import { formatLocation, locate } from '../source-location.js';
import type { SchemaConverter } from '../type-to-schema.js';
import { readEndpointOptions } from './read-endpoint-options.js';

// Names the generated client object already uses: an endpoint called `then` would make the client
// a thenable (so `await connect()` would call it), `session` would hide the session.
const RESERVED_ENDPOINT_NAMES = new Set(['then', 'session', 'constructor', '__proto__']);

/**
 * Converts one `@endpoint` method into its manifest entry. Signature problems throw; type problems
 * are collected by `converter` (so that one build lists all of them).
 */
export function analyzeEndpoint(
  root: string,
  method: MethodDeclaration,
  decorator: Decorator,
  converter: SchemaConverter,
): EndpointManifest {
  const nameNode = method.getNameNode();
  const at = locate(root, nameNode);
  const bad = (message: string, node: Node = nameNode): BuildError =>
    new BuildError('ANALYZE_BAD_SIGNATURE', message, { at: locate(root, node) });

  if (!Node.isIdentifier(nameNode)) {
    throw bad('an @endpoint method needs a plain identifier name (not computed, quoted or #private).');
  }
  const methodName = nameNode.getText();
  const options = readEndpointOptions(root, decorator);
  const name = options.name ?? methodName;
  const param = checkShape(method, methodName, name, bad);
  const paramName = param.getNameNode();
  const errorsBefore = converter.errors.length;
  const input = converter.convert(param.getType(), {
    node: paramName,
    label: `parameter '${paramName.getText()}'`,
  });
  if (converter.errors.length === errorsBefore && !isObjectSchema(converter, input)) {
    throw bad(
      `the parameter of @endpoint '${methodName}' must be an object type (e.g. \`{ text: string }\`), so fields can be added later without breaking clients.`,
      param,
    );
  }

  const returnNode = method.getReturnTypeNode() ?? nameNode;
  const returnType = method.getReturnType();
  const resolved =
    returnType.getSymbol()?.getName() === 'Promise' ? returnType.getTypeArguments()[0] : undefined;
  if (!resolved) {
    throw bad(
      `@endpoint '${methodName}' must return a Promise of an object (make it \`async\`, return type \`Promise<{ … }>\`); found '${returnType.getText(method)}'.`,
      returnNode,
    );
  }
  if (!method.isAsync()) {
    throw new BuildError(
      'ANALYZE_NOT_ASYNC',
      `@endpoint '${methodName}' must be an async method (\`async ${methodName}(…)\`): the runtime awaits every handler, and an async method turns a synchronous throw into a rejected call instead of a crash.`,
      { at },
    );
  }

  const outputErrorsBefore = converter.errors.length;
  const output = converter.convert(resolved, { node: returnNode, label: `the result of '${methodName}'` });
  if (converter.errors.length === outputErrorsBefore && !isObjectSchema(converter, output)) {
    throw bad(
      `@endpoint '${methodName}' must resolve to an object (e.g. \`Promise<{ ok: boolean }>\`); found '${resolved.getText(method)}'.`,
      returnNode,
    );
  }
  for (const [schema, label, node] of [
    [input, 'parameter', param],
    [output, 'result', returnNode],
  ] as const) {
    const nested = nestedStream(converter, schema);
    if (nested !== undefined) {
      throw bad(
        `a byte stream in the ${label} of @endpoint '${methodName}' must be a top-level member (found at ${nested}): the protocol streams one top-level field (docs/protocol.md §11.3).`,
        node,
      );
    }
  }
  const description = docText(method);
  return {
    name,
    input,
    output,
    source: formatLocation(at),
    ...(name !== methodName ? { method: methodName } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(options.idempotent === true ? { idempotent: true } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  };
}

/** Modifiers, name, overloads and the single required parameter of an endpoint method. */
function checkShape(
  method: MethodDeclaration,
  methodName: string,
  name: string,
  bad: (message: string, node?: Node) => BuildError,
) {
  const nameNode = method.getNameNode();
  if (
    method.isStatic() ||
    method.hasModifier(SyntaxKind.PrivateKeyword) ||
    method.hasModifier(SyntaxKind.ProtectedKeyword)
  ) {
    throw bad(`@endpoint '${methodName}' must be a public instance method.`);
  }
  if (RESERVED_ENDPOINT_NAMES.has(name)) {
    throw bad(`'${name}' is reserved by the generated client; rename the endpoint.`);
  }
  if (method.getOverloads().length > 0) {
    throw bad(`@endpoint '${methodName}' has overloads; an endpoint has exactly one signature.`);
  }
  const params = method.getParameters();
  const [param] = params;
  if (params.length !== 1 || !param) {
    throw bad(
      `@endpoint '${methodName}' takes ${params.length} parameters; it must take exactly one object, e.g. \`${methodName}(req: { … })\`.`,
      params[1] ?? nameNode,
    );
  }
  if (param.isRestParameter() || param.isOptional()) {
    throw bad(
      `the parameter of @endpoint '${methodName}' must be a required object, not optional or rest.`,
      param,
    );
  }
  return param;
}

/** The JSDoc text of the handler (summary and tags, as written), for the client's TSDoc. */
function docText(method: MethodDeclaration): string | undefined {
  const docs = method.getJsDocs();
  const last = docs[docs.length - 1];
  if (!last) return undefined;
  const text = last
    .getInnerText()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
  return text === '' ? undefined : text;
}

/**
 * The JSON pointer of a stream marker that is not a top-level member of `schema`, if any. A `$ref`
 * at the root is followed; below it, a definition that contains a stream anywhere is the answer
 * (memoized per definition, so a DAG of shared types is walked once, not once per path).
 */
function nestedStream(converter: SchemaConverter, schema: TypeSchema): string | undefined {
  const root = converter.resolve(schema);
  const memo = new Map<string, boolean>();
  if (isStream(root)) return undefined;
  if (!('type' in root) || root.type !== 'object') return streamPath(converter, root, '', memo);
  for (const [key, property] of Object.entries(root.properties)) {
    // Members of the top-level object may stream; anything deeper may not.
    if (isStream(converter.resolve(property))) continue;
    const found = streamPath(converter, property, `/${key}`, memo);
    if (found !== undefined) return found;
  }
  return root.additionalProperties === false
    ? undefined
    : streamPath(converter, root.additionalProperties, '/*', memo);
}

function isStream(schema: TypeSchema): boolean {
  return 'x-blindbox-type' in schema && schema['x-blindbox-type'] === 'stream';
}

/** The pointer of the first stream marker in `schema` (below `path`), if any. */
function streamPath(
  converter: SchemaConverter,
  schema: TypeSchema,
  path: string,
  memo: Map<string, boolean>,
): string | undefined {
  if ('$ref' in schema) return containsStream(converter, schema, memo) ? path || '/' : undefined;
  if (isStream(schema)) return path || '/';
  if ('anyOf' in schema)
    return firstPath(
      schema.anyOf.map((o) => [o, path]),
      converter,
      memo,
    );
  if (!('type' in schema)) return undefined;
  if (schema.type === 'array') {
    const items = schema.prefixItems ?? [schema.items];
    return firstPath(
      items.map((item, i) => [item, `${path}/${i}`]),
      converter,
      memo,
    );
  }
  if (schema.type !== 'object') return undefined;
  const members: [TypeSchema, string][] = Object.entries(schema.properties).map(([k, p]) => [
    p,
    `${path}/${k}`,
  ]);
  if (schema.additionalProperties !== false) members.push([schema.additionalProperties, `${path}/*`]);
  return firstPath(members, converter, memo);
}

function firstPath(
  entries: [TypeSchema, string][],
  converter: SchemaConverter,
  memo: Map<string, boolean>,
): string | undefined {
  for (const [schema, path] of entries) {
    const found = streamPath(converter, schema, path, memo);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether a schema has a stream marker anywhere (through definitions, each visited once). */
function containsStream(converter: SchemaConverter, schema: TypeSchema, memo: Map<string, boolean>): boolean {
  if ('$ref' in schema) {
    const known = memo.get(schema.$ref);
    if (known !== undefined) return known;
    memo.set(schema.$ref, false); // a cycle adds nothing
    const found = containsStream(converter, converter.resolve(schema), memo);
    memo.set(schema.$ref, found);
    return found;
  }
  if ('x-blindbox-type' in schema) return schema['x-blindbox-type'] === 'stream';
  if ('anyOf' in schema) return schema.anyOf.some((s) => containsStream(converter, s, memo));
  if (schema.type === 'array')
    return (schema.prefixItems ?? [schema.items]).some((s) => containsStream(converter, s, memo));
  if (schema.type !== 'object') return false;
  return (
    Object.values(schema.properties).some((s) => containsStream(converter, s, memo)) ||
    (schema.additionalProperties !== false && containsStream(converter, schema.additionalProperties, memo))
  );
}

function isObjectSchema(converter: SchemaConverter, schema: TypeSchema): boolean {
  const resolved = converter.resolve(schema);
  if ('type' in resolved) return resolved.type === 'object';
  if ('anyOf' in resolved) return resolved.anyOf.every((s) => isObjectSchema(converter, s));
  return false;
}

/** Syntax errors TypeScript found in a file, as located build errors. */
export function syntaxErrors(root: string, diagnostics: readonly ts.Diagnostic[]): BuildError[] {
  return diagnostics.map((d) => {
    const file = d.file;
    const pos = file && d.start !== undefined ? file.getLineAndCharacterOfPosition(d.start) : undefined;
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const rel = file ? file.fileName.slice(root.length + 1) : 'src';
    return new BuildError('ANALYZE_SYNTAX_ERROR', `syntax error: ${message} (TS${d.code}).`, {
      at: { file: rel, line: (pos?.line ?? 0) + 1, column: (pos?.character ?? 0) + 1 },
    });
  });
}
