import type { TypeSchema } from '@blindbox/protocol';

/**
 * `$ref`s to named schema definitions. Kept apart from type-to-schema.ts (which imports ts-morph)
 * so that client generation from a cached manifest never loads TypeScript.
 */
const REF_PREFIX = '#/definitions/';

/** The schema of a `$ref` to a named definition. */
export function refTo(name: string): TypeSchema {
  return { $ref: `${REF_PREFIX}${name}` };
}

/** The definition name a `$ref` schema points at. */
export function refName(schema: { $ref: string }): string {
  return schema.$ref.startsWith(REF_PREFIX) ? schema.$ref.slice(REF_PREFIX.length) : schema.$ref;
}
