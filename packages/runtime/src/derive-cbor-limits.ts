import type { AppManifest, TypeSchema } from '@blindbox/protocol';

/**
 * CBOR items of the request map around the input: the map itself, and key and value of `endpoint`,
 * `requestId`, `sentAt`, `openSession`, `stream`, plus the `input` key (docs/protocol.md §7.1, §11.2).
 */
const REQUEST_ENVELOPE_ITEMS = 12;

/**
 * The most CBOR data items a value of `schema` can hold (every array, map, key and scalar counts
 * one), or `Infinity` when the schema does not bound it (arrays without `maxItems`, open maps,
 * recursive types).
 */
export function maxItemsOf(
  schema: TypeSchema,
  defs: Record<string, TypeSchema>,
  seen = new Set<string>(),
  memo = new Map<string, number>(),
): number {
  if ('$ref' in schema) {
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    const target = Object.hasOwn(defs, name) ? defs[name] : undefined;
    if (target === undefined || seen.has(name)) return Number.POSITIVE_INFINITY;
    // Memoized per definition: named types shared by several parents form a DAG, and walking it
    // once per path is exponential in its depth.
    const known = memo.get(name);
    if (known !== undefined) return known;
    const count = maxItemsOf(target, defs, new Set([...seen, name]), memo);
    memo.set(name, count);
    return count;
  }
  if ('anyOf' in schema) return Math.max(...schema.anyOf.map((s) => maxItemsOf(s, defs, seen, memo)));
  if ('x-blindbox-type' in schema) return 1;
  switch (schema.type) {
    case 'array': {
      if (schema.maxItems === undefined) return Number.POSITIVE_INFINITY;
      const items = schema.prefixItems ?? [schema.items];
      return 1 + schema.maxItems * Math.max(...items.map((s) => maxItemsOf(s, defs, seen, memo)));
    }
    case 'object': {
      if (schema.additionalProperties !== false) return Number.POSITIVE_INFINITY;
      let total = 1;
      for (const property of Object.values(schema.properties))
        total += 1 + maxItemsOf(property, defs, seen, memo);
      return total;
    }
    default:
      return 1;
  }
}

/**
 * The item bound for a request plaintext of this app: the largest input any endpoint accepts plus
 * the request map around it. The endpoint is only known after decoding, so the bound is the
 * maximum over all endpoints; undefined when some endpoint's input is unbounded (then the protocol
 * default applies). A schema of a few fields turns "30 million empty maps" into a refusal after a
 * dozen items.
 */
export function requestItemLimit(manifest: AppManifest): number | undefined {
  let most = 0;
  for (const endpoint of manifest.endpoints) {
    most = Math.max(most, maxItemsOf(endpoint.input, manifest.definitions ?? {}));
  }
  return Number.isFinite(most) ? REQUEST_ENVELOPE_ITEMS + most : undefined;
}
