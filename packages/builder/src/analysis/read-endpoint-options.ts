import type { EndpointManifest } from '@blindbox/protocol';
import { type Decorator, Node } from 'ts-morph';
import { BuildError } from '../build-error.js';
import { locate } from '../source-location.js';

/** What `@endpoint({ … })` may say, read from the source without running it. */
export interface EndpointOptionsFound {
  name?: string;
  idempotent?: boolean;
  limits?: NonNullable<EndpointManifest['limits']>;
}

// The client calls `client.<name>(…)` and the runtime seals the name into each request.
const ENDPOINT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/;
const BYTE_LIMITS = ['maxInputBytes', 'maxOutputBytes'] as const;

/**
 * Reads the options object of `@endpoint(…)`: `name` (a string literal), `idempotent` (a boolean
 * literal), `maxInputBytes` / `maxOutputBytes` (positive integer literals). Anything else, or a
 * value the build cannot read statically, is an `ANALYZE_BAD_ENDPOINT_OPTIONS` error: an option
 * the build ignored would leave a limit the developer asked for unenforced.
 */
export function readEndpointOptions(root: string, decorator: Decorator): EndpointOptionsFound {
  const args = decorator.getArguments();
  const [options] = args;
  const bad = (message: string, node: Node = options ?? decorator) =>
    new BuildError('ANALYZE_BAD_ENDPOINT_OPTIONS', message, { at: locate(root, node) });
  if (!options) return {};
  if (args.length > 1) throw bad('@endpoint takes one options object.', args[1]);
  if (!Node.isObjectLiteralExpression(options)) {
    throw bad('@endpoint options must be an object literal, e.g. `@endpoint({ maxInputBytes: 1_000_000 })`.');
  }
  const found: EndpointOptionsFound = {};
  for (const prop of options.getProperties()) {
    if (!Node.isPropertyAssignment(prop)) {
      throw bad('@endpoint options are `key: literal` pairs (no spreads, shorthands or methods).', prop);
    }
    readOption(prop.getName(), prop.getInitializerOrThrow(), found, (m, n) => bad(m, n ?? prop));
  }
  return found;
}

function readOption(
  key: string,
  init: Node,
  found: EndpointOptionsFound,
  bad: (message: string, node?: Node) => BuildError,
): void {
  if (key === 'name') {
    if (!(Node.isStringLiteral(init) || Node.isNoSubstitutionTemplateLiteral(init)))
      throw bad('`name` must be a string literal.', init);
    const value = init.getLiteralValue();
    if (!ENDPOINT_NAME.test(value))
      throw bad(
        `endpoint name ${JSON.stringify(value)} must be a JavaScript identifier (the client method's name).`,
        init,
      );
    found.name = value;
  } else if (key === 'idempotent') {
    if (!Node.isTrueLiteral(init) && !Node.isFalseLiteral(init))
      throw bad('`idempotent` must be true or false.', init);
    found.idempotent = Node.isTrueLiteral(init);
  } else if ((BYTE_LIMITS as readonly string[]).includes(key)) {
    const value = Node.isNumericLiteral(init) ? init.getLiteralValue() : Number.NaN;
    if (!Number.isSafeInteger(value) || value <= 0)
      throw bad(`\`${key}\` must be a positive integer literal (bytes), e.g. 1_000_000.`, init);
    found.limits = { ...found.limits, [key]: value };
  } else {
    throw bad(
      `unknown @endpoint option '${key}': the options are name, idempotent, maxInputBytes, maxOutputBytes.`,
    );
  }
}
