import type { TypeSchema } from '@blindbox/protocol';
import { refName } from '../schema-ref.js';

/** Which way a type is used: inputs accept readonly arrays and tuples; outputs are plain ones. */
export type Direction = 'input' | 'output';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The client's TypeScript name of a definition (definition names are already identifiers). */
export type NameOf = (definition: string) => string;

/** The declaration of a named type: an interface for closed objects, else a type alias. */
export function declareType(name: string, schema: TypeSchema, dir: Direction, nameOf: NameOf): string {
  if ('type' in schema && schema.type === 'object' && schema.additionalProperties === false) {
    return `export interface ${name} ${objectBody(schema, dir, 0, nameOf)}`;
  }
  return `export type ${name} = ${typeText(schema, dir, 0, nameOf)};`;
}

function objectBody(
  schema: Extract<TypeSchema, { type: 'object' }>,
  dir: Direction,
  depth: number,
  nameOf: NameOf,
): string {
  const keys = Object.keys(schema.properties).sort();
  const pad = '  '.repeat(depth + 1);
  const readonly = new Set(schema['x-blindbox-readonly'] ?? []);
  const lines = keys.map((k) => {
    const optional = schema.required.includes(k) ? '' : '?';
    const modifier = readonly.has(k) ? 'readonly ' : '';
    return `${pad}${modifier}${propertyKey(k)}${optional}: ${typeText(schema.properties[k] as TypeSchema, dir, depth + 1, nameOf)};`;
  });
  if (schema.additionalProperties !== false) {
    lines.push(`${pad}[key: string]: ${typeText(schema.additionalProperties, dir, depth + 1, nameOf)};`);
  }
  if (lines.length === 0) return '{}';
  return `{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`;
}

/** TypeScript text of a schema. */
export function typeText(schema: TypeSchema, dir: Direction, depth: number, nameOf: NameOf): string {
  if ('x-blindbox-type' in schema) {
    if (schema['x-blindbox-type'] === 'stream')
      return dir === 'input'
        ? 'Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>'
        : 'ReadableStream<Uint8Array>';
    return 'Uint8Array';
  }
  if ('$ref' in schema) return nameOf(refName(schema));
  if ('anyOf' in schema) return schema.anyOf.map((s) => typeText(s, dir, depth, nameOf)).join(' | ');
  switch (schema.type) {
    case 'string':
      return stringText(schema);
    case 'number':
    case 'integer':
      if (schema.const !== undefined) return String(schema.const);
      return schema.enum ? schema.enum.map(String).join(' | ') : 'number';
    case 'boolean':
      return schema.const !== undefined ? String(schema.const) : 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return arrayText(schema, dir, depth, nameOf);
    case 'object':
      if (Object.keys(schema.properties).length === 0 && schema.additionalProperties !== false) {
        return `Record<string, ${typeText(schema.additionalProperties, dir, depth, nameOf)}>`;
      }
      return objectBody(schema, dir, depth, nameOf);
  }
}

function stringText(schema: Extract<TypeSchema, { type: 'string' }>): string {
  if (schema['x-blindbox-js'] === 'Date') return 'Date';
  if (schema['x-blindbox-js'] === 'bigint') return 'bigint';
  if (schema.const !== undefined) return quote(schema.const);
  return schema.enum ? schema.enum.map(quote).join(' | ') : 'string';
}

function arrayText(
  schema: Extract<TypeSchema, { type: 'array' }>,
  dir: Direction,
  depth: number,
  nameOf: NameOf,
): string {
  const prefix = dir === 'input' ? 'readonly ' : '';
  if (schema.prefixItems) {
    return `${prefix}[${schema.prefixItems.map((s) => typeText(s, dir, depth, nameOf)).join(', ')}]`;
  }
  const item = typeText(schema.items, dir, depth, nameOf);
  const element = /[|&]/.test(item) || item.startsWith('readonly ') ? `(${item})` : item;
  return `${prefix}${element}[]`;
}

export function propertyKey(key: string): string {
  return IDENTIFIER.test(key) ? key : quote(key);
}

/** A single-quoted JavaScript string literal. */
export function quote(value: string): string {
  return `'${JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** A TSDoc comment from free text (`*\/` escaped), indented by `pad`. */
export function tsdoc(text: string, pad: string): string[] {
  const lines = text.replace(/\*\//g, '*\\/').split('\n');
  return [`${pad}/**`, ...lines.map((l) => `${pad} *${l === '' ? '' : ` ${l}`}`), `${pad} */`];
}
