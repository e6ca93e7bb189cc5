import type { TypeSchema } from '@blindbox/protocol';
import {
  escapePointer,
  hasFormat,
  isByteStream,
  isDecimalInteger,
  isIsoDate,
  isPlainObject,
  issue,
  issues,
  kindOf,
  MAX_DEPTH,
  shown,
  type ValidationIssue,
} from './validation-issue.js';

export type { ValidationIssue } from './validation-issue.js';

/**
 * Checks a decoded CBOR value against the build's schema subset (see `TypeSchema`) by walking the
 * schema. Written by hand: JSON Schema validators know no byte strings, and this subset is small
 * and closed. Objects are closed, so an unexpected field is an error, not something a handler has
 * to guard against.
 *
 * Enclaves run the validators the build compiles from the same schemas (the builder's
 * `codegen/compile-validators.ts`); this one is their reference (a differential test holds them to
 * the same issue for every value) and serves servers started without compiled validators.
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
  if (depth > MAX_DEPTH) return issues.tooDeep(path);
  if ('$ref' in schema) {
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    const target = Object.hasOwn(defs, name) ? defs[name] : undefined;
    if (!target) return issues.missingDefinition(path, schema.$ref);
    return check(value, target, defs, path, depth + 1);
  }
  if ('anyOf' in schema) {
    for (const option of schema.anyOf) {
      if (check(value, option, defs, path, depth + 1) === undefined) return undefined;
    }
    return issues.noAlternative(path, schema.anyOf.length, value);
  }
  if ('x-blindbox-type' in schema) {
    if (schema['x-blindbox-type'] === 'stream') {
      return isByteStream(value) ? undefined : issue(path, 'a byte stream', kindOf(value));
    }
    return checkBytes(value, schema, path);
  }
  switch (schema.type) {
    case 'null':
      return value === null ? undefined : issue(path, 'null', kindOf(value));
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
      return issues.unsupported(path);
  }
}

function checkBytes(value: unknown, schema: { maxLength?: number }, path: string): Issue {
  if (!(value instanceof Uint8Array)) return issue(path, 'bytes', kindOf(value));
  if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    return issue(path, `at most ${schema.maxLength} bytes`, `${value.length} bytes`);
  }
  return undefined;
}

function checkBoolean(value: unknown, schema: SchemaOf<'boolean'>, path: string): Issue {
  if (typeof value !== 'boolean') return issue(path, 'a boolean', kindOf(value));
  if (schema.const !== undefined && value !== schema.const)
    return issue(path, String(schema.const), shown(value));
  return undefined;
}

function checkString(value: unknown, schema: SchemaOf<'string'>, path: string): Issue {
  if (typeof value !== 'string') return issue(path, 'a string', kindOf(value));
  if (schema.const !== undefined && value !== schema.const) {
    return issue(path, JSON.stringify(schema.const), shown(value));
  }
  if (schema.enum && !schema.enum.includes(value)) {
    return issue(path, `one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`, shown(value));
  }
  if (schema.minLength !== undefined && value.length < schema.minLength) {
    return issue(path, `at least ${schema.minLength} characters`, `${value.length} characters`);
  }
  if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    return issue(path, `at most ${schema.maxLength} characters`, `${value.length} characters`);
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    return issue(path, `a string matching ${schema.pattern}`, shown(value));
  }
  return checkStringForm(value, schema, path);
}

/** `format`, and the wire form of a Date or bigint (`x-blindbox-js`, docs/reference/types.md). */
function checkStringForm(value: string, schema: SchemaOf<'string'>, path: string): Issue {
  if (schema.format !== undefined && !hasFormat(schema.format, value)) {
    return issue(path, `a ${schema.format} string`, shown(value));
  }
  if (schema['x-blindbox-js'] === 'Date' && !isIsoDate(value)) {
    return issue(path, 'a date-time as toISOString() writes it', shown(value));
  }
  if (schema['x-blindbox-js'] === 'bigint' && !isDecimalInteger(value)) {
    return issue(path, 'a decimal integer string', shown(value));
  }
  return undefined;
}

function checkNumber(value: unknown, schema: SchemaOf<'number' | 'integer'>, path: string): Issue {
  if (typeof value !== 'number' || !Number.isFinite(value))
    return issue(path, 'a finite number', kindOf(value));
  if (schema.type === 'integer' && !Number.isInteger(value)) return issue(path, 'an integer', shown(value));
  if (schema.const !== undefined && value !== schema.const)
    return issue(path, String(schema.const), shown(value));
  if (schema.enum && !schema.enum.includes(value)) {
    return issue(path, `one of ${schema.enum.join(', ')}`, shown(value));
  }
  if (schema.minimum !== undefined && value < schema.minimum) {
    return issue(path, `>= ${schema.minimum}`, shown(value));
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    return issue(path, `<= ${schema.maximum}`, shown(value));
  }
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
    return issue(path, `> ${schema.exclusiveMinimum}`, shown(value));
  }
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
    return issue(path, `< ${schema.exclusiveMaximum}`, shown(value));
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
  if (!Array.isArray(value)) return issue(path, 'an array', kindOf(value));
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    return issue(path, `at least ${schema.minItems} items`, `${value.length} items`);
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    return issue(path, `at most ${schema.maxItems} items`, `${value.length} items`);
  }
  for (let i = 0; i < value.length; i++) {
    // A tuple: element i has its own schema (minItems = maxItems = prefixItems.length).
    const item = schema.prefixItems?.[i] ?? schema.items;
    const found = check(value[i], item, defs, `${path}/${i}`, depth + 1);
    if (found) return found;
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
  if (!isPlainObject(value)) return issue(path, 'an object', kindOf(value));
  for (const key of schema.required) {
    if (!Object.hasOwn(value, key) || value[key] === undefined) {
      return issues.missingField(`${path}/${escapePointer(key)}`);
    }
  }
  for (const [key, field] of Object.entries(value)) {
    const found = checkField(key, field, schema, defs, `${path}/${escapePointer(key)}`, depth);
    if (found) return found;
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
    return issues.unexpectedField(fieldPath, field);
  }
  return check(field, schema.additionalProperties, defs, fieldPath, depth + 1);
}
