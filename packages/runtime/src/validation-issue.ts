/**
 * What a refused value gets, shared by the validators the build compiles (see the builder's
 * `codegen/compile-validators.ts`) and the interpreting reference, {@link validateValue}: both
 * build their issues from these functions, so the two agree by construction on every word.
 */

/** The first place where a value does not match its schema. */
export interface ValidationIssue {
  /** JSON pointer to the offending value, `''` for the root. */
  path: string;
  /** What the schema allows there, e.g. `a string`, `at most 16 characters`, `one of "en", "fr"`. */
  expected: string;
  /** What the value is, e.g. `a number`, `42`, `17 characters`, `nothing`. */
  found: string;
  /** `expected <expected>, found <found>`. */
  message: string;
}

/** Deeper values are refused: the checks recurse, and the input is the client's. */
export const MAX_DEPTH = 64;

export function issue(path: string, expected: string, found: string): ValidationIssue {
  return { path, expected, found, message: `expected ${expected}, found ${found}` };
}

/** The kind of a value, as an issue names it. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isFinite(value) ? 'a number' : String(value);
    case 'boolean':
      return 'a boolean';
    case 'bigint':
      return 'a bigint';
    default:
      return 'an object';
  }
}

/** A scalar shown as itself (strings quoted, cut at 40 characters); anything else by its kind. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return kindOf(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array)
    return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A streamed field: async-iterable bytes (a ReadableStream is one), or bytes that arrived inline. */
export function isByteStream(value: unknown): boolean {
  if (value instanceof Uint8Array) return true;
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
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

/** Whether `s` is a `format` string. An unknown format accepts nothing. */
export function hasFormat(format: string, s: string): boolean {
  // Own keys only: 'constructor' must not find Object.
  const ok = Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined;
  return ok?.(s) === true;
}

export function isIsoDate(s: string): boolean {
  const d = new Date(s);
  return !Number.isNaN(d.getTime()) && d.toISOString() === s;
}

export function isDecimalInteger(s: string): boolean {
  return /^-?(0|[1-9][0-9]*)$/u.test(s);
}

/** The issues that mean the same thing in every validator. */
export const issues = {
  tooDeep: (path: string) => issue(path, `nesting at most ${MAX_DEPTH} deep`, 'deeper nesting'),
  missingDefinition: (path: string, ref: string) =>
    issue(path, `the definition ${ref}`, 'none in the manifest'),
  unsupported: (path: string) => issue(path, 'a schema this validator knows', 'an unsupported schema'),
  missingField: (path: string) => issue(path, 'a value (required field)', 'nothing'),
  unexpectedField: (path: string, value: unknown) => issue(path, 'no such field', kindOf(value)),
  noAlternative: (path: string, count: number, value: unknown) =>
    issue(path, `one of ${count} alternatives`, kindOf(value)),
};

/** A validator the build compiled for one endpoint's input or output. */
export type CompiledValidator = (value: unknown) => ValidationIssue | undefined;

/** The compiled validators of an app, by endpoint name (what `app/main.mjs` passes to `runEnclave`). */
export type EndpointValidators = Readonly<
  Record<string, { readonly input: CompiledValidator; readonly output: CompiledValidator }>
>;

/** What the compiled validators call: the same functions as the reference validator. */
export const validatorSupport = {
  issue,
  issues,
  kindOf,
  shown,
  isPlainObject,
  isByteStream,
  escapePointer,
  hasFormat,
  isIsoDate,
  isDecimalInteger,
  MAX_DEPTH,
} as const;
