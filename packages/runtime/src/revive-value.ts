import type { TypeSchema } from '@blindbox/protocol';
import { validateValue } from './validate-value.js';

type Defs = Record<string, TypeSchema>;

const MAX_DEPTH = 64;

/**
 * Turns the wire strings of a validated input into the values the handler's types promise: a
 * `Date` for `{ "x-blindbox-js": "Date" }`, a `bigint` for `"bigint"` (docs/reference/types.md).
 * Only called after {@link validateValue} accepted `value`, so every string it converts is in the
 * one canonical form. A union takes the first option the value matches, as validation did.
 */
export function reviveInput(value: unknown, schema: TypeSchema, defs: Defs = {}): unknown {
  return revive(value, schema, defs, 0);
}

function revive(value: unknown, schema: TypeSchema, defs: Defs, depth: number): unknown {
  if (depth > MAX_DEPTH) return value;
  if ('$ref' in schema) {
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    const target = Object.hasOwn(defs, name) ? defs[name] : undefined;
    return target ? revive(value, target, defs, depth + 1) : value;
  }
  if ('anyOf' in schema) {
    const option = schema.anyOf.find((o) => validateValue(value, o, defs) === undefined);
    return option ? revive(value, option, defs, depth + 1) : value;
  }
  if (!('type' in schema)) return value;
  if (schema.type === 'string') return reviveString(value, schema['x-blindbox-js']);
  if (schema.type === 'array' && Array.isArray(value)) {
    return value.map((v, i) => revive(v, schema.prefixItems?.[i] ?? schema.items, defs, depth + 1));
  }
  if (schema.type === 'object' && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const field = Object.hasOwn(schema.properties, key)
        ? schema.properties[key]
        : schema.additionalProperties;
      if (field) record[key] = revive(record[key], field, defs, depth + 1);
    }
  }
  return value;
}

function reviveString(value: unknown, js: 'Date' | 'bigint' | undefined): unknown {
  if (typeof value !== 'string' || js === undefined) return value;
  return js === 'Date' ? new Date(value) : BigInt(value);
}

/**
 * The wire form of a handler's result: every `Date` becomes its `toISOString()` text (an invalid
 * Date stays a Date, which output validation then refuses) and every `bigint` its decimal text.
 * Plain objects and arrays are copied; bytes and streams are passed through untouched.
 */
export function toWireValue(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? value : value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => toWireValue(v, depth + 1));
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype)
    return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    // defineProperty: a `__proto__` key stays a key (output validation refuses it as unexpected).
    Object.defineProperty(out, key, {
      value: toWireValue(field, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
