/**
 * Byte-wise order of UTF-8 strings (never `localeCompare`: the order must not depend on the
 * machine's locale). The same order as `compareStrings` in type-to-schema, kept here so that the
 * image and release code does not load the TypeScript analysis (ts-morph) to sort paths.
 */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
