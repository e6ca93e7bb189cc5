import type { AppManifest, TypeSchema } from '@blindbox/protocol';
import { canonicalJson } from '../canonical-json.js';

/**
 * Compiles the manifest's schemas into the validators the enclave runs: plain JavaScript, one
 * function per schema node, bundled into `app/main.mjs` with the rest of the app, so that nothing
 * is compiled (and nothing `eval`ed) when the enclave starts, and a request is checked without
 * walking its schema. Written by hand rather than with ajv's standalone code: our values are
 * decoded CBOR (byte strings, streams, null-prototype maps), the schemas are a small closed subset,
 * and an issue must say `{ path, expected, found }` in the same words as the runtime's reference
 * validator (`validateValue`), which a differential test holds the output to.
 *
 * The code is an expression: an object `{ [endpoint]: { input(value), output(value) } }` where each
 * function returns undefined or the first issue. It reads its helpers from `support`, the name of
 * a binding to `@blindbox/runtime`'s `validatorSupport` in the surrounding module.
 */
export function compileValidators(manifest: AppManifest, support: string): string {
  const compiler = new ValidatorCompiler(manifest.definitions ?? {});
  const entries = manifest.endpoints.map((e) => {
    const input = compiler.node(e.input);
    const output = compiler.node(e.output);
    return `${JSON.stringify(e.name)}: { input: (v) => ${input}(v, '', 0), output: (v) => ${output}(v, '', 0) }`;
  });
  return [
    '(() => {',
    `const { issue, issues, kindOf, shown, isPlainObject, isByteStream, escapePointer, hasFormat, isIsoDate, isDecimalInteger, MAX_DEPTH } = ${support};`,
    ...compiler.constants,
    ...compiler.functions,
    `return { ${entries.join(', ')} };`,
    '})()',
  ].join('\n');
}

type SchemaOf<T extends string> = Extract<TypeSchema, { type: T }>;
const q = (s: string) => JSON.stringify(s);

class ValidatorCompiler {
  readonly functions: string[] = [];
  readonly constants: string[] = [];
  /** By canonical JSON, not identity: a manifest read back from JSON must compile to the same text. */
  readonly #names = new Map<string, string>();
  readonly #definitions = new Map<string, string>();

  constructor(private readonly defs: Record<string, TypeSchema>) {}

  /** The name of the function `(v, p, n) => issue | undefined` that checks `schema`. */
  node(schema: TypeSchema): string {
    const key = canonicalJson(schema);
    const known = this.#names.get(key);
    if (known) return known;
    const name = `f${this.#names.size}`;
    // Named before its body is compiled: a recursive type refers to itself.
    this.#names.set(key, name);
    const body = this.#body(schema);
    this.functions.push(
      `function ${name}(v, p, n) {\nif (n > MAX_DEPTH) return issues.tooDeep(p);\n${body}\n}`,
    );
    return name;
  }

  #constant(expression: string): string {
    const name = `c${this.constants.length}`;
    this.constants.push(`const ${name} = ${expression};`);
    return name;
  }

  #definition(ref: string): string | undefined {
    const known = this.#definitions.get(ref);
    if (known) return known;
    const name = ref.replace(/^#\/definitions\//, '');
    const target = Object.hasOwn(this.defs, name) ? this.defs[name] : undefined;
    if (!target) return undefined;
    const fn = this.node(target);
    this.#definitions.set(ref, fn);
    return fn;
  }

  #body(schema: TypeSchema): string {
    if ('$ref' in schema) {
      const target = this.#definition(schema.$ref);
      return target
        ? `return ${target}(v, p, n + 1);`
        : `return issues.missingDefinition(p, ${q(schema.$ref)});`;
    }
    if ('anyOf' in schema) {
      const options = schema.anyOf.map((o) => this.node(o));
      return [
        ...options.map((o) => `if (${o}(v, p, n + 1) === undefined) return undefined;`),
        `return issues.noAlternative(p, ${schema.anyOf.length}, v);`,
      ].join('\n');
    }
    if ('x-blindbox-type' in schema) {
      if (schema['x-blindbox-type'] === 'stream') {
        return `return isByteStream(v) ? undefined : issue(p, 'a byte stream', kindOf(v));`;
      }
      return [
        `if (!(v instanceof Uint8Array)) return issue(p, 'bytes', kindOf(v));`,
        ...(schema.maxLength !== undefined
          ? [
              `if (v.length > ${schema.maxLength}) return issue(p, ${q(`at most ${schema.maxLength} bytes`)}, v.length + ' bytes');`,
            ]
          : []),
        'return undefined;',
      ].join('\n');
    }
    switch (schema.type) {
      case 'null':
        return `return v === null ? undefined : issue(p, 'null', kindOf(v));`;
      case 'boolean':
        return [
          `if (typeof v !== 'boolean') return issue(p, 'a boolean', kindOf(v));`,
          ...(schema.const !== undefined
            ? [`if (v !== ${schema.const}) return issue(p, ${q(String(schema.const))}, shown(v));`]
            : []),
          'return undefined;',
        ].join('\n');
      case 'string':
        return this.#string(schema);
      case 'number':
      case 'integer':
        return this.#number(schema);
      case 'array':
        return this.#array(schema);
      case 'object':
        return this.#object(schema);
      default:
        return 'return issues.unsupported(p);';
    }
  }

  #string(schema: SchemaOf<'string'>): string {
    const lines = [`if (typeof v !== 'string') return issue(p, 'a string', kindOf(v));`];
    if (schema.const !== undefined) {
      lines.push(`if (v !== ${q(schema.const)}) return issue(p, ${q(q(schema.const))}, shown(v));`);
    }
    if (schema.enum) {
      const set = this.#constant(`new Set(${JSON.stringify(schema.enum)})`);
      const expected = `one of ${schema.enum.map((e) => q(e)).join(', ')}`;
      lines.push(`if (!${set}.has(v)) return issue(p, ${q(expected)}, shown(v));`);
    }
    if (schema.minLength !== undefined) {
      lines.push(
        `if (v.length < ${schema.minLength}) return issue(p, ${q(`at least ${schema.minLength} characters`)}, v.length + ' characters');`,
      );
    }
    if (schema.maxLength !== undefined) {
      lines.push(
        `if (v.length > ${schema.maxLength}) return issue(p, ${q(`at most ${schema.maxLength} characters`)}, v.length + ' characters');`,
      );
    }
    if (schema.pattern !== undefined) {
      const re = this.#constant(`new RegExp(${q(schema.pattern)}, 'u')`);
      lines.push(
        `if (!${re}.test(v)) return issue(p, ${q(`a string matching ${schema.pattern}`)}, shown(v));`,
      );
    }
    if (schema.format !== undefined) {
      lines.push(
        `if (!hasFormat(${q(schema.format)}, v)) return issue(p, ${q(`a ${schema.format} string`)}, shown(v));`,
      );
    }
    if (schema['x-blindbox-js'] === 'Date') {
      lines.push(`if (!isIsoDate(v)) return issue(p, 'a date-time as toISOString() writes it', shown(v));`);
    }
    if (schema['x-blindbox-js'] === 'bigint') {
      lines.push(`if (!isDecimalInteger(v)) return issue(p, 'a decimal integer string', shown(v));`);
    }
    lines.push('return undefined;');
    return lines.join('\n');
  }

  #number(schema: SchemaOf<'number' | 'integer'>): string {
    const lines = [
      `if (typeof v !== 'number' || !Number.isFinite(v)) return issue(p, 'a finite number', kindOf(v));`,
    ];
    if (schema.type === 'integer')
      lines.push(`if (!Number.isInteger(v)) return issue(p, 'an integer', shown(v));`);
    if (schema.const !== undefined) {
      lines.push(`if (v !== ${schema.const}) return issue(p, ${q(String(schema.const))}, shown(v));`);
    }
    if (schema.enum) {
      const set = this.#constant(`new Set(${JSON.stringify(schema.enum)})`);
      lines.push(`if (!${set}.has(v)) return issue(p, ${q(`one of ${schema.enum.join(', ')}`)}, shown(v));`);
    }
    const bounds: [keyof typeof schema, string, string][] = [
      ['minimum', '<', '>='],
      ['maximum', '>', '<='],
      ['exclusiveMinimum', '<=', '>'],
      ['exclusiveMaximum', '>=', '<'],
    ];
    for (const [key, refused, allowed] of bounds) {
      const bound = schema[key];
      if (typeof bound !== 'number') continue;
      lines.push(`if (v ${refused} ${bound}) return issue(p, ${q(`${allowed} ${bound}`)}, shown(v));`);
    }
    lines.push('return undefined;');
    return lines.join('\n');
  }

  #array(schema: SchemaOf<'array'>): string {
    const items = this.node(schema.items);
    const tuple = schema.prefixItems?.map((s) => this.node(s));
    const lines = [`if (!Array.isArray(v)) return issue(p, 'an array', kindOf(v));`];
    if (schema.minItems !== undefined) {
      lines.push(
        `if (v.length < ${schema.minItems}) return issue(p, ${q(`at least ${schema.minItems} items`)}, v.length + ' items');`,
      );
    }
    if (schema.maxItems !== undefined) {
      lines.push(
        `if (v.length > ${schema.maxItems}) return issue(p, ${q(`at most ${schema.maxItems} items`)}, v.length + ' items');`,
      );
    }
    const check = tuple ? `(${this.#constant(`[${tuple.join(', ')}]`)}[i] ?? ${items})` : items;
    lines.push(
      'for (let i = 0; i < v.length; i++) {',
      `const r = ${check}(v[i], p + '/' + i, n + 1);`,
      'if (r) return r;',
      '}',
      'return undefined;',
    );
    return lines.join('\n');
  }

  #object(schema: SchemaOf<'object'>): string {
    const pointer = (key: string) => q(`/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    const lines = [`if (!isPlainObject(v)) return issue(p, 'an object', kindOf(v));`];
    for (const key of schema.required) {
      lines.push(
        `if (!Object.hasOwn(v, ${q(key)}) || v[${q(key)}] === undefined) return issues.missingField(p + ${pointer(key)});`,
      );
    }
    // Sorted: the text must not depend on the order the analysis happened to build the object in.
    const cases = Object.keys(schema.properties)
      .sort()
      .map((key) => {
        const fn = this.node(schema.properties[key] as TypeSchema);
        const optional = schema.required.includes(key) ? '' : 'if (x === undefined) continue; ';
        return `case ${q(key)}: ${optional}r = ${fn}(x, p + ${pointer(key)}, n + 1); break;`;
      });
    const rest =
      schema.additionalProperties === false
        ? "default: return issues.unexpectedField(p + '/' + escapePointer(k), x);"
        : [
            'default:',
            // An own `__proto__` (the CBOR decoder defines one) would set a prototype in a naive merge.
            "if (k === '__proto__') return issues.unexpectedField(p + '/__proto__', x);",
            `r = ${this.node(schema.additionalProperties)}(x, p + '/' + escapePointer(k), n + 1);`,
          ].join('\n');
    lines.push(
      'for (const [k, x] of Object.entries(v)) {',
      'let r;',
      'switch (k) {',
      ...cases,
      rest,
      '}',
      'if (r) return r;',
      '}',
      'return undefined;',
    );
    return lines.join('\n');
  }
}
