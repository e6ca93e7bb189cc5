/**
 * Serializes `value` as canonical JSON in the style of RFC 8785 (JCS): object keys sorted by UTF-16
 * code units, no whitespace, numbers and strings as ECMAScript's `JSON.stringify` writes them.
 * Digests are taken over these bytes, so the same value always hashes the same.
 *
 * Accepts plain objects, arrays, strings, finite numbers, booleans and null. Object properties whose
 * value is `undefined` are omitted (as in JSON); anything else (non-finite numbers, bigint, functions,
 * class instances such as Date or Uint8Array, `undefined` in an array) throws a TypeError rather than
 * being silently coerced.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '$', '', '');
}

/**
 * Deterministic, human-readable JSON: the same key order as {@link canonicalJson} (also for
 * integer-like keys, which a JSON.parse/stringify round trip would reorder), 2-space indent,
 * final newline.
 */
export function prettyCanonicalJson(value: unknown): string {
  return `${serialize(value, '$', '  ', '\n')}\n`;
}

function serialize(value: unknown, path: string, indent: string, newline: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`canonicalJson: ${path} is ${value}, not a finite number`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot represent`);
  }
  const wrap = (open: string, items: string[], close: string): string => {
    if (items.length === 0) return `${open}${close}`;
    if (newline === '') return `${open}${items.join(',')}${close}`;
    // Serialized strings never hold a raw newline (JSON escapes it), so every newline is layout.
    const body = items.map((item) => indent + item.replaceAll('\n', `\n${indent}`)).join(',\n');
    return `${open}\n${body}\n${close}`;
  };
  if (Array.isArray(value)) {
    return wrap(
      '[',
      value.map((item, i) => {
        if (item === undefined) throw new TypeError(`canonicalJson: ${path}[${i}] is undefined`);
        return serialize(item, `${path}[${i}]`, indent, newline);
      }),
      ']',
    );
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(
      `canonicalJson: ${path} is a ${proto?.constructor?.name ?? 'class instance'}, not a plain object`,
    );
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is exactly RFC 8785 §3.2.3.
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  const colon = indent === '' ? ':' : ': ';
  return wrap(
    '{',
    keys.map((k) => `${JSON.stringify(k)}${colon}${serialize(record[k], `${path}.${k}`, indent, newline)}`),
    '}',
  );
}
