import type { AppManifest, TypeSchema } from '@blindbox/protocol';
import { refName } from '../schema-ref.js';

/**
 * How the generated client turns a decoded answer back into the handler's types: where a wire
 * string stands for a `Date` or a `bigint`. A compact plan per schema, emitted into index.js, so the
 * client carries no schema interpreter beyond a dozen lines (docs/reference/types.md, "Date").
 *
 *   'D' | 'B'                       a Date / a bigint (from an RFC 3339 / decimal string)
 *   ['o', {key: plan}, rest, tag]   an object: its properties, its Record values, its const tags
 *   ['a', plan] | ['t', [plan…]]    an array / a tuple
 *   ['u', [[kind, plan, tag]…]]      a union: the first option whose kind and const tags match
 *   ['r', name]                     a named definition's plan
 *   0                               nothing to convert
 */
export type WirePlan =
  | 0
  | 'D'
  | 'B'
  | ['o', Record<string, WirePlan>, WirePlan, Record<string, string | number | boolean>]
  | ['a', WirePlan]
  | ['t', WirePlan[]]
  | ['u', [string, WirePlan, Record<string, string | number | boolean>][]]
  | ['r', string];

/** The plans of every definition that needs one, and of every endpoint's output. */
export function wirePlans(manifest: AppManifest): {
  definitions: Record<string, WirePlan>;
  outputs: Record<string, WirePlan>;
} {
  const defs = manifest.definitions ?? {};
  const needs = new Map<string, boolean>();
  const needsPlan = (name: string, stack: Set<string>): boolean => {
    const known = needs.get(name);
    if (known !== undefined) return known;
    if (stack.has(name)) return false;
    stack.add(name);
    const result = schemaNeeds(defs[name], (n) => needsPlan(n, stack));
    stack.delete(name);
    needs.set(name, result);
    return result;
  };
  const refNeeds = (n: string) => needsPlan(n, new Set());
  const definitions: Record<string, WirePlan> = {};
  for (const name of Object.keys(defs).sort()) {
    if (refNeeds(name)) definitions[name] = plan(defs[name] as TypeSchema, refNeeds, defs);
  }
  const outputs: Record<string, WirePlan> = {};
  for (const e of manifest.endpoints) {
    const p = plan(e.output, refNeeds, defs);
    if (p !== 0) outputs[e.name] = p;
  }
  return { definitions, outputs };
}

function schemaNeeds(schema: TypeSchema | undefined, ref: (name: string) => boolean): boolean {
  if (!schema || 'x-blindbox-type' in schema) return false;
  if ('$ref' in schema) return ref(refName(schema));
  if ('anyOf' in schema) return schema.anyOf.some((s) => schemaNeeds(s, ref));
  switch (schema.type) {
    case 'string':
      return schema['x-blindbox-js'] !== undefined;
    case 'array':
      return (schema.prefixItems ?? [schema.items]).some((s) => schemaNeeds(s, ref));
    case 'object':
      return (
        Object.values(schema.properties).some((s) => schemaNeeds(s, ref)) ||
        (schema.additionalProperties !== false && schemaNeeds(schema.additionalProperties, ref))
      );
    default:
      return false;
  }
}

type Defs = Record<string, TypeSchema>;

function plan(schema: TypeSchema, ref: (name: string) => boolean, defs: Defs): WirePlan {
  if (!schemaNeeds(schema, ref)) return 0;
  if ('$ref' in schema) return ['r', refName(schema)];
  if ('anyOf' in schema) {
    // Options are told apart by the kind and const tags of what they name (a discriminated union of
    // named interfaces), not by the `$ref` itself.
    return [
      'u',
      schema.anyOf.map((s) => [kindOf(resolve(s, defs)), plan(s, ref, defs), tagsOf(resolve(s, defs))]),
    ];
  }
  if ('x-blindbox-type' in schema) return 0;
  if (schema.type === 'string') return schema['x-blindbox-js'] === 'Date' ? 'D' : 'B';
  if (schema.type === 'array') {
    return schema.prefixItems
      ? ['t', schema.prefixItems.map((s) => plan(s, ref, defs))]
      : ['a', plan(schema.items, ref, defs)];
  }
  if (schema.type !== 'object') return 0;
  const props: Record<string, WirePlan> = {};
  for (const [key, s] of Object.entries(schema.properties)) {
    const p = plan(s, ref, defs);
    if (p !== 0) props[key] = p;
  }
  const rest = schema.additionalProperties === false ? 0 : plan(schema.additionalProperties, ref, defs);
  return ['o', props, rest, tagsOf(schema)];
}

function resolve(schema: TypeSchema, defs: Defs): TypeSchema {
  let current = schema;
  for (let i = 0; i < 64 && '$ref' in current; i++) current = defs[refName(current)] ?? { anyOf: [] };
  return current;
}

function kindOf(schema: TypeSchema): string {
  if ('x-blindbox-type' in schema) return 'bytes';
  if ('$ref' in schema || 'anyOf' in schema) return 'any';
  return schema.type === 'integer' ? 'number' : schema.type;
}

/** The `const` properties of an object schema: how a discriminated union tells its options apart. */
function tagsOf(schema: TypeSchema): Record<string, string | number | boolean> {
  const tags: Record<string, string | number | boolean> = {};
  if (!('type' in schema) || schema.type !== 'object') return tags;
  for (const [key, s] of Object.entries(schema.properties)) {
    if ('const' in s && s.const !== undefined) tags[key] = s.const;
  }
  return tags;
}

/**
 * The JavaScript the client embeds: `toWire` turns every Date into `toISOString()` and every bigint
 * into its decimal string (inputs are validated by the enclave against the schema, so no plan is
 * needed on the way out); `fromWire` applies an output plan.
 */
export const WIRE_RUNTIME = `function toWire(value) {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('an invalid Date cannot be sent');
    return value.toISOString();
  }
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: toWire(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

function kindOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}

function fromWire(value, plan) {
  if (plan === 0 || value === undefined) return value;
  if (plan === 'D') return typeof value === 'string' ? new Date(value) : value;
  if (plan === 'B') return typeof value === 'string' ? BigInt(value) : value;
  const [op, arg, rest] = plan;
  if (op === 'r') return fromWire(value, plans[arg] ?? 0);
  if (op === 'a') return Array.isArray(value) ? value.map((v) => fromWire(v, arg)) : value;
  if (op === 't') return Array.isArray(value) ? value.map((v, i) => fromWire(v, arg[i] ?? 0)) : value;
  if (op === 'u') {
    const kind = kindOf(value);
    const option = arg.find(([k, , t]) => (k === kind || k === 'any') && Object.entries(t).every(([key, c]) => value[key] === c));
    return option ? fromWire(value, option[1]) : value;
  }
  if (kindOf(value) !== 'object') return value;
  for (const key of Object.keys(value)) {
    const p = Object.hasOwn(arg, key) ? arg[key] : rest;
    if (p !== 0) value[key] = fromWire(value[key], p);
  }
  return value;
}
`;
