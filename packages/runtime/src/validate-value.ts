import type { TypeSchema } from '@blindbox/protocol';

/** The first place where a value does not match its schema. */
export interface ValidationIssue {
  /** JSON pointer to the offending value, `''` for the root. */
  path: string;
  message: string;
}

const MAX_DEPTH = 64;

/**
 * Checks a decoded CBOR value against the build's schema subset (see `TypeSchema`). Written by hand:
 * JSON Schema validators know no byte strings, and this subset is small and closed. Objects are
 * closed, so an unexpected field is an error, not something a handler has to guard against.
 */
export function validateValue(
  value: unknown,
  schema: TypeSchema,
  definitions: Record<string, TypeSchema> = {},
): ValidationIssue | undefined {
  return check(value, schema, definitions, '', 0);
}

type Issue = ValidationIssue | undefined;
type Defs = Record<string, TypeSchema>;
type SchemaOf<T extends string> = Extract<TypeSchema, { type: T }>;

function check(value: unknown, schema: TypeSchema, defs: Defs, path: string, depth: number): Issue {
  if (depth > MAX_DEPTH) return { path, message: `nesting deeper than ${MAX_DEPTH}` };
  if ('$ref' in schema) {
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    const target = Object.hasOwn(defs, name) ? defs[name] : undefined;
    if (!target) return { path, message: `schema reference ${schema.$ref} is missing from the manifest` };
    return check(value, target, defs, path, depth + 1);
  }
  if ('anyOf' in schema) {
    for (const option of schema.anyOf) {
      if (check(value, option, defs, path, depth + 1) === undefined) return undefined;
    }
    return { path, message: `expected one of ${schema.anyOf.length} alternatives, found ${describe(value)}` };
  }
  if ('x-blindbox-type' in schema) {
    return schema['x-blindbox-type'] === 'stream'
      ? checkStream(value, path)
      : checkBytes(value, schema, path);
  }
  switch (schema.type) {
    case 'null':
      return value === null ? undefined : { path, message: `expected null, found ${describe(value)}` };
    case 'boolean':
      return checkBoolean(value, schema, path);
    case 'string':
      return checkString(value, schema, path);
    case 'number':
    case 'integer':
      return checkNumber(value, schema, path);
    case 'array':
      return checkArray(value, schema, defs, path, depth);
    case 'object':
      return checkObject(value, schema, defs, path, depth);
    default:
      // A schema this validator does not know must not accept everything.
      return { path, message: 'unsupported schema' };
  }
}

function checkBytes(value: unknown, schema: { maxLength?: number }, path: string): Issue {
  if (!(value instanceof Uint8Array)) return { path, message: `expected bytes, found ${describe(value)}` };
  if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    return { path, message: `expected at most ${schema.maxLength} bytes, found ${value.length}` };
  }
  return undefined;
}

/** A streamed field: async-iterable bytes (a ReadableStream is one), or bytes that arrived inline. */
function checkStream(value: unknown, path: string): Issue {
  if (value instanceof Uint8Array) return undefined;
  if (typeof value === 'object' && value !== null && Symbol.asyncIterator in value) return undefined;
  return { path, message: `expected a byte stream, found ${describe(value)}` };
}

function checkBoolean(value: unknown, schema: SchemaOf<'boolean'>, path: string): Issue {
  if (typeof value !== 'boolean') return { path, message: `expected a boolean, found ${describe(value)}` };
  if (schema.const !== undefined && value !== schema.const)
    return { path, message: `expected ${schema.const}` };
  return undefined;
}

function checkString(value: unknown, schema: SchemaOf<'string'>, path: string): Issue {
  if (typeof value !== 'string') return { path, message: `expected a string, found ${describe(value)}` };
  if (schema.const !== undefined && value !== schema.const) {
    return { path, message: `expected ${JSON.stringify(schema.const)}` };
  }
  if (schema.enum && !schema.enum.includes(value)) {
    return { path, message: `expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` };
  }
  if (schema.minLength !== undefined && value.length < schema.minLength) {
    return { path, message: `expected at least ${schema.minLength} characters` };
  }
  if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    return { path, message: `expected at most ${schema.maxLength} characters` };
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    return { path, message: `expected a string matching ${schema.pattern}` };
  }
  return checkStringForm(value, schema, path);
}

// Deliberately plain checks (no backtracking-heavy patterns: the input is the client's).
const FORMATS: Record<string, (s: string) => boolean> = {
  email: (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/u.test(s) && s.length <= 254,
  uri: (s) => /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/u.test(s) && URL.canParse(s),
  uuid: (s) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/u.test(s),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/u.test(s) && isIsoDate(`${s}T00:00:00.000Z`),
  // The one spelling Date.prototype.toISOString() produces: the value and its text are one-to-one.
  'date-time': isIsoDate,
};

function isIsoDate(s: string): boolean {
  const d = new Date(s);
  return !Number.isNaN(d.getTime()) && d.toISOString() === s;
}

/** `format`, and the wire form of a Date or bigint (`x-blindbox-js`, docs/reference/types.md). */
function checkStringForm(value: string, schema: SchemaOf<'string'>, path: string): Issue {
  if (schema.format !== undefined) {
    // Own keys only ('constructor' must not find Object), and an unknown format passes nothing.
    const ok = Object.hasOwn(FORMATS, schema.format) ? FORMATS[schema.format] : undefined;
    if (ok?.(value) !== true) return { path, message: `expected a ${schema.format} string` };
  }
  if (schema['x-blindbox-js'] === 'Date' && !isIsoDate(value)) {
    return { path, message: 'expected a date-time as toISOString() writes it' };
  }
  if (schema['x-blindbox-js'] === 'bigint' && !/^-?(0|[1-9][0-9]*)$/u.test(value)) {
    return { path, message: 'expected a decimal integer string' };
  }
  return undefined;
}

function checkNumber(value: unknown, schema: SchemaOf<'number' | 'integer'>, path: string): Issue {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { path, message: `expected a finite number, found ${describe(value)}` };
  }
  if (schema.type === 'integer' && !Number.isInteger(value)) return { path, message: 'expected an integer' };
  if (schema.const !== undefined && value !== schema.const)
    return { path, message: `expected ${schema.const}` };
  if (schema.enum && !schema.enum.includes(value)) {
    return { path, message: `expected one of ${schema.enum.join(', ')}` };
  }
  if (schema.minimum !== undefined && value < schema.minimum) {
    return { path, message: `expected >= ${schema.minimum}` };
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    return { path, message: `expected <= ${schema.maximum}` };
  }
  return checkExclusive(value, schema, path);
}

function checkExclusive(value: number, schema: SchemaOf<'number' | 'integer'>, path: string): Issue {
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
    return { path, message: `expected > ${schema.exclusiveMinimum}` };
  }
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
    return { path, message: `expected < ${schema.exclusiveMaximum}` };
  }
  return undefined;
}

function checkArray(
  value: unknown,
  schema: SchemaOf<'array'>,
  defs: Defs,
  path: string,
  depth: number,
): Issue {
  if (!Array.isArray(value)) return { path, message: `expected an array, found ${describe(value)}` };
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    return { path, message: `expected at least ${schema.minItems} items` };
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    return { path, message: `expected at most ${schema.maxItems} items` };
  }
  for (let i = 0; i < value.length; i++) {
    // A tuple: element i has its own schema (minItems = maxItems = prefixItems.length).
    const item = schema.prefixItems?.[i] ?? schema.items;
    const issue = check(value[i], item, defs, `${path}/${i}`, depth + 1);
    if (issue) return issue;
  }
  return undefined;
}

function checkObject(
  value: unknown,
  schema: SchemaOf<'object'>,
  defs: Defs,
  path: string,
  depth: number,
): Issue {
  if (!isPlainObject(value)) return { path, message: `expected an object, found ${describe(value)}` };
  for (const key of schema.required) {
    if (!Object.hasOwn(value, key) || value[key] === undefined) {
      return { path: `${path}/${escapePointer(key)}`, message: 'required field is missing' };
    }
  }
  for (const [key, field] of Object.entries(value)) {
    const issue = checkField(key, field, schema, defs, `${path}/${escapePointer(key)}`, depth);
    if (issue) return issue;
  }
  return undefined;
}

function checkField(
  key: string,
  field: unknown,
  schema: SchemaOf<'object'>,
  defs: Defs,
  fieldPath: string,
  depth: number,
): Issue {
  const fieldSchema = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
  if (fieldSchema) {
    // An optional field may be absent or undefined; CBOR has no undefined, but be lenient in-process.
    if (field === undefined && !schema.required.includes(key)) return undefined;
    return check(field, fieldSchema, defs, fieldPath, depth + 1);
  }
  if (schema.additionalProperties === false || key === '__proto__') {
    // `__proto__` is an own property here (the CBOR decoder defines it), but a handler that
    // copies or deep-merges the map by assignment would set a prototype from client data.
    return { path: fieldPath, message: 'unexpected field' };
  }
  return check(field, schema.additionalProperties, defs, fieldPath, depth + 1);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array)
    return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
