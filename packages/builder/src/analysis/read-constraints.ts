import type { TypeSchema } from '@blindbox/protocol';
import { type Node, ts } from 'ts-morph';

/** A validation constraint written as a JSDoc tag on a property, e.g. `/** @maxLength 80 *\/`. */
export interface ConstraintTag {
  name: string;
  /** The tag's text after the name, trimmed (`''` for flags such as `@integer`). */
  value: string;
  node: Node;
}

/** The JSDoc tag names the analysis reads as constraints (docs/reference/types.md). */
export const CONSTRAINT_TAGS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'integer',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minItems',
  'maxItems',
] as const;

type ConstraintName = (typeof CONSTRAINT_TAGS)[number];

/** String formats the runtime validator checks (docs/reference/types.md). */
export const STRING_FORMATS = ['email', 'uri', 'uuid', 'date-time', 'date'] as const;

/** The constraint tags in the JSDoc of a property declaration, in source order. */
export function readConstraintTags(decl: Node): ConstraintTag[] {
  const tags: ConstraintTag[] = [];
  for (const tag of ts.getJSDocTags(decl.compilerNode)) {
    const name = tag.tagName.text;
    if (!(CONSTRAINT_TAGS as readonly string[]).includes(name)) continue;
    const comment = typeof tag.comment === 'string' ? tag.comment : ts.getTextOfJSDocComment(tag.comment);
    tags.push({ name, value: (comment ?? '').trim(), node: decl });
  }
  return tags;
}

/**
 * Applies constraint tags to the schema of the property they annotate. Returns the constrained
 * schema, or the reason a tag does not fit (a `@maxLength` on a number, a pattern that is not a
 * valid `u`-flag regular expression): a constraint that is silently dropped would let data
 * through that the developer meant to refuse.
 */
export function applyConstraints(
  schema: TypeSchema,
  tags: readonly ConstraintTag[],
): { schema: TypeSchema; problem?: { tag: ConstraintTag; reason: string } } {
  let out: TypeSchema = { ...schema };
  for (const tag of tags) {
    const result = applyOne(out, tag.name as ConstraintName, tag.value);
    if (typeof result === 'string') return { schema, problem: { tag, reason: result } };
    out = result;
  }
  return { schema: out };
}

function applyOne(schema: TypeSchema, name: ConstraintName, value: string): TypeSchema | string {
  const kind = schemaKind(schema);
  switch (name) {
    case 'integer':
      if (kind !== 'number') return '@integer applies to number properties';
      return value === '' ? ({ ...schema, type: 'integer' } as TypeSchema) : '@integer takes no value';
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return bound(schema, kind, name, value);
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
      return count(schema, kind, name, value);
    case 'pattern':
      return pattern(schema, kind, value);
    case 'format':
      if (kind !== 'string') return '@format applies to string properties';
      if (!(STRING_FORMATS as readonly string[]).includes(value))
        return `@format must be one of ${STRING_FORMATS.join(', ')}, found '${value}'`;
      return { ...schema, format: value } as TypeSchema;
  }
}

type Kind = ReturnType<typeof schemaKind>;

function bound(schema: TypeSchema, kind: Kind, name: string, value: string): TypeSchema | string {
  if (kind !== 'number') return `@${name} applies to number properties`;
  const n = parseNumber(value);
  if (n === undefined) return `@${name} needs a finite number, found '${value}'`;
  return { ...schema, [name]: n } as TypeSchema;
}

function count(schema: TypeSchema, kind: Kind, name: string, value: string): TypeSchema | string {
  const items = name === 'minItems' || name === 'maxItems';
  if (items && kind !== 'array') return `@${name} applies to array properties`;
  if (!items && kind !== 'string' && !(name === 'maxLength' && kind === 'bytes'))
    return `@${name} applies to string properties${name === 'maxLength' ? ' and Uint8Array' : ''}`;
  const n = parseCount(value);
  if (n === undefined) return `@${name} needs a non-negative integer, found '${value}'`;
  return { ...schema, [name]: n } as TypeSchema;
}

function pattern(schema: TypeSchema, kind: Kind, value: string): TypeSchema | string {
  if (kind !== 'string') return '@pattern applies to string properties';
  if (value === '') return '@pattern needs a regular expression';
  try {
    new RegExp(value, 'u');
  } catch {
    return `@pattern '${value}' is not a valid regular expression (u flag)`;
  }
  return { ...schema, pattern: value } as TypeSchema;
}

function schemaKind(schema: TypeSchema): 'number' | 'string' | 'array' | 'bytes' | 'other' {
  if ('x-blindbox-type' in schema) return schema['x-blindbox-type'] === 'bytes' ? 'bytes' : 'other';
  if (!('type' in schema)) return 'other';
  if (schema.type === 'integer' || schema.type === 'number') return 'const' in schema ? 'other' : 'number';
  if (schema.type === 'string')
    return 'x-blindbox-js' in schema || 'const' in schema || 'enum' in schema ? 'other' : 'string';
  return schema.type === 'array' ? 'array' : 'other';
}

function parseNumber(text: string): number | undefined {
  if (!/^-?(\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function parseCount(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
