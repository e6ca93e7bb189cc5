import type { TypeSchema } from '@blindbox/protocol';
import { type Symbol as MorphSymbol, Node, type SourceFile, type Type, ts } from 'ts-morph';
import { applyConstraints, type ConstraintTag, readConstraintTags } from './analysis/read-constraints.js';
import { BuildError } from './build-error.js';
import { canonicalJson } from './canonical-json.js';
import { refName, refTo } from './schema-ref.js';
import { locate } from './source-location.js';

/** What the analysis converts from: the project root (for locations) and the checker's program. */
export interface SchemaContext {
  projectDir: string;
  /** Whether a source file belongs to the app (not to a library or TypeScript's lib files). */
  isProjectFile(filePath: string): boolean;
  /** Whether a source file is one of TypeScript's default lib files (where Date, Map, Uint8Array live). */
  isDefaultLibFile(file: SourceFile): boolean;
  /** The program's checker (index signatures are read from it). */
  checker: ts.TypeChecker;
}

/** Where a type was written and how to name it in an error: "property 'when'", "parameter 'req'". */
export interface TypeSite {
  node: Node;
  label: string;
}

export const SUPPORTED_TYPES_HINT =
  'Endpoints carry string, number, boolean, null, bigint, Date, Uint8Array, literal types and unions ' +
  'of them, string enums, arrays, tuples, Record<string, T>, plain object types (interfaces, type ' +
  'aliases, generic aliases instantiated with concrete types, optional and readonly properties, ' +
  'recursive types) and unions of object types (docs/reference/types.md).';

const BIGINT_PATTERN = '^-?(0|[1-9][0-9]*)$';

/**
 * Converts checked TypeScript types into the schemas the runtime validates with and the client is
 * typed from. Every named type (interface, type alias, enum, generic instance) becomes ONE entry of
 * `definitions`, referenced by `$ref` wherever it is used: output grows with the number of named
 * types, not with fan-out to the power of depth, and recursive types terminate.
 *
 * Anything the wire format (CBOR) cannot carry faithfully is refused with a located
 * {@link BuildError} instead of being approximated: a schema looser than the type would let the
 * enclave receive data its handler does not expect. Errors are collected, not thrown, so one
 * build reports all of them (`errors`).
 */
export class SchemaConverter {
  /** Problems found so far, in the order found. */
  readonly errors: BuildError[] = [];
  private readonly defs = new Map<string, TypeSchema>();
  private readonly nameOf = new Map<ts.Type, string>();
  // Anonymous object types on the current path: seeing one again is recursion without a name.
  private readonly path = new Set<ts.Type>();
  private readonly seenErrors = new Set<string>();

  constructor(private readonly ctx: SchemaContext) {}

  /** The named schemas found so far, sorted by name. */
  definitions(): Record<string, TypeSchema> {
    const out: Record<string, TypeSchema> = {};
    for (const name of [...this.defs.keys()].sort(compareStrings))
      out[name] = this.defs.get(name) as TypeSchema;
    return out;
  }

  /** The schema a `$ref` points at (following chains), for checks that need the shape. */
  resolve(schema: TypeSchema): TypeSchema {
    let current = schema;
    for (let i = 0; i < 64 && '$ref' in current; i++) {
      const target = this.defs.get(refName(current));
      if (!target) return current;
      current = target;
    }
    return current;
  }

  /** Converts `type`, written at `site`, into a schema (a `$ref` for named types). */
  convert(type: Type, site: TypeSite, allowUndefined = false): TypeSchema {
    const refused = this.unsendable(type);
    if (refused) return this.refuse(type, site, refused);
    if (type.isTypeParameter()) return this.refuse(type, site, 'a generic type parameter is left open');
    const primitive = primitiveSchema(type);
    if (primitive) return primitive;
    if (type.isUnion() && !type.isEnum() && type.getAliasSymbol() === undefined)
      return this.convertUnion(type, site, allowUndefined);
    const lib = this.libSchema(type, site);
    if (lib) return lib;
    const name = this.definitionName(type);
    if (name === undefined) return this.convertBody(type, site, allowUndefined);
    return this.named(type, name, site, allowUndefined);
  }

  private named(type: Type, name: string, site: TypeSite, allowUndefined: boolean): TypeSchema {
    const key = type.compilerType;
    const known = this.nameOf.get(key);
    if (known !== undefined) return refTo(known);
    let unique = name;
    for (let i = 2; this.defs.has(unique); i++) unique = `${name}_${i}`;
    this.nameOf.set(key, unique);
    // Registered before the body is converted, so a recursive use inside it becomes a `$ref`.
    this.defs.set(unique, { type: 'null' });
    const declSite = this.declarationSite(type) ?? site;
    this.defs.set(unique, this.convertBody(type, declSite, allowUndefined));
    return refTo(unique);
  }

  private convertBody(type: Type, site: TypeSite, allowUndefined: boolean): TypeSchema {
    if (type.isUnion()) return this.convertUnion(type, site, allowUndefined);
    if (type.isTuple()) return this.convertTuple(type, site);
    if (type.isArray() || type.isReadonlyArray()) {
      const item = type.getArrayElementType() ?? type.getTypeArguments()[0];
      if (!item) return this.refuse(type, site, 'the array has no element type');
      return { type: 'array', items: this.convert(item, site) };
    }
    const libName = this.libTypeName(type);
    if (libName !== undefined) {
      return this.refuse(type, site, `the built-in ${libName} has no faithful CBOR form`);
    }
    if (type.isIntersection()) {
      if (!type.getIntersectionTypes().every((t) => t.isObject())) {
        return this.refuse(type, site, 'only intersections of object types are supported');
      }
      return this.convertObject(type, site);
    }
    if (type.isObject()) return this.convertObject(type, site);
    return this.refuse(type, site, 'this kind of type is not supported');
  }

  /** The reason a type has no wire form at all (any, unknown, symbols, …), if it has none. */
  private unsendable(type: Type): string | undefined {
    const flags = type.getFlags();
    const F = ts.TypeFlags;
    if (flags & F.Any) return '`any` says nothing about the data: give it a type';
    if (flags & F.Unknown) return '`unknown` cannot be validated: give it a type';
    if (flags & F.Never) return '`never` has no values';
    if (flags & F.BigIntLiteral) return 'bigint literal types are not supported: use `bigint`';
    if (flags & (F.ESSymbol | F.UniqueESSymbol)) return 'symbols cannot be sent';
    if (flags & F.Void) return 'void is not a value';
    if (flags & F.NonPrimitive) return '`object` has no known properties';
    if (flags & F.TemplateLiteral)
      return 'template literal types are not supported: use string with @pattern';
    if (flags & F.Undefined) return 'undefined is not carried: make the property optional (`name?: T`)';
    return undefined;
  }

  /** Date, Uint8Array and byte streams: lib types with a defined wire form. */
  private libSchema(type: Type, site: TypeSite): TypeSchema | undefined {
    const name = this.libTypeName(type);
    if (name === 'Uint8Array') return { 'x-blindbox-type': 'bytes' };
    if (name === 'Date') return { type: 'string', format: 'date-time', 'x-blindbox-js': 'Date' };
    if (this.isByteStream(type)) return { 'x-blindbox-type': 'stream' };
    if (name === 'ReadableStream' || name === 'AsyncIterable')
      return this.refuse(type, site, 'a stream carries Uint8Array chunks only (ReadableStream<Uint8Array>)');
    return undefined;
  }

  /**
   * The definition name of a named type: interfaces, classes, enums and type aliases declared
   * outside TypeScript's lib (Partial<T>, Record<K, V> are shapes, not names), with the names of
   * their type arguments appended (`Page<User>` → `Page_User`).
   */
  private definitionName(type: Type): string | undefined {
    const alias = type.getAliasSymbol();
    if (alias && !this.isLibSymbol(alias)) {
      return withArguments(alias.getName(), type.getAliasTypeArguments(), (t) => this.argumentName(t));
    }
    if (alias) return undefined;
    const symbol = type.getSymbol();
    if (!symbol || symbol.getName().startsWith('__') || this.isLibSymbol(symbol)) return undefined;
    const flags = symbol.getFlags();
    const S = ts.SymbolFlags;
    if (!(flags & (S.Interface | S.Class | S.Enum))) return undefined;
    const args = type.isObject() && !type.isArray() && !type.isTuple() ? type.getTypeArguments() : [];
    return withArguments(symbol.getName(), args, (t) => this.argumentName(t));
  }

  private argumentName(type: Type): string {
    const named = this.definitionName(type);
    if (named !== undefined) return named;
    if (type.isString()) return 'String';
    if (type.isNumber()) return 'Number';
    if (type.isBoolean()) return 'Boolean';
    if (type.isNull()) return 'Null';
    if (type.getFlags() & ts.TypeFlags.BigInt) return 'BigInt';
    if (type.isLiteral()) return String(type.getLiteralValue()).replace(/[^A-Za-z0-9]/g, '') || 'Literal';
    if (type.isArray()) {
      const item = type.getArrayElementType();
      return `${item ? this.argumentName(item) : 'Unknown'}Array`;
    }
    const lib = this.libTypeName(type);
    if (lib) return lib;
    return type.isUnion()
      ? type
          .getUnionTypes()
          .map((t) => this.argumentName(t))
          .join('Or')
      : 'Object';
  }

  private convertUnion(type: Type, site: TypeSite, allowUndefined: boolean): TypeSchema {
    const members = type.getUnionTypes();
    const defined = members.filter((t) => !t.isUndefined());
    if (defined.length !== members.length && !allowUndefined) {
      return this.refuse(type, site, 'undefined is not carried: make the property optional (`name?: T`)');
    }
    const [only] = defined;
    if (defined.length === 1 && only) return this.convert(only, site);

    const strings = defined.filter((t) => t.isStringLiteral()).map((t) => String(t.getLiteralValue()));
    const numbers = defined.filter((t) => t.isNumberLiteral()).map((t) => Number(t.getLiteralValue()));
    const booleans = defined.filter((t) => t.isBooleanLiteral()).map((t) => t.getText() === 'true');
    const others = defined.filter(
      (t) => !t.isStringLiteral() && !t.isNumberLiteral() && !t.isBooleanLiteral(),
    );

    // Literal order in the checker follows type creation order; sorting makes the schema depend on
    // the set of values only.
    const parts: TypeSchema[] = [];
    if (strings.length > 0) parts.push({ type: 'string', enum: [...new Set(strings)].sort(compareStrings) });
    if (numbers.length > 0) parts.push({ type: 'number', enum: [...new Set(numbers)].sort((a, b) => a - b) });
    if (booleans.includes(true) && booleans.includes(false)) parts.push({ type: 'boolean' });
    else if (booleans.length > 0) parts.push({ type: 'boolean', const: booleans[0] === true });
    for (const other of others) parts.push(this.convert(other, site));
    if (ambiguousStrings(parts.map((p) => this.resolve(p)))) {
      return this.refuse(
        type,
        site,
        'a Date and a bigint travel as strings, so the two sides cannot tell them from another string in the same union: use an object with a tag',
      );
    }
    // anyOf is unordered; sorting by canonical form makes the manifest independent of the order in
    // which the checker happened to create the member types (which can vary with `entry`).
    parts.sort((a, b) => compareStrings(canonicalJson(a), canonicalJson(b)));
    const [single] = parts;
    return parts.length === 1 && single ? single : { anyOf: parts };
  }

  private convertTuple(type: Type, site: TypeSite): TypeSchema {
    const target = (type.compilerType as ts.TupleTypeReference).target;
    if (target.elementFlags.some((f) => !(f & ts.ElementFlags.Required))) {
      return this.refuse(
        type,
        site,
        'tuples with optional or rest elements are not supported: use an array or an object',
      );
    }
    const prefixItems = type.getTupleElements().map((t) => this.convert(t, site));
    const distinct = [...new Map(prefixItems.map((s) => [canonicalJson(s), s])).values()];
    distinct.sort((a, b) => compareStrings(canonicalJson(a), canonicalJson(b)));
    const [first] = distinct;
    const items: TypeSchema = distinct.length === 1 && first ? first : { anyOf: distinct };
    const n = prefixItems.length;
    if (n === 0) return this.refuse(type, site, 'the empty tuple carries nothing');
    return { type: 'array', prefixItems, items, minItems: n, maxItems: n };
  }

  private convertObject(type: Type, site: TypeSite): TypeSchema {
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
      return this.refuse(type, site, 'functions cannot be sent');
    }
    const key = type.compilerType;
    if (this.path.has(key)) {
      return this.refuse(
        type,
        site,
        'an anonymous type refers to itself: give it a name (an interface or type alias)',
      );
    }
    const additional = this.indexSignature(type, site);
    this.path.add(key);
    try {
      const properties: Record<string, TypeSchema> = {};
      const required: string[] = [];
      const readonly: string[] = [];
      for (const prop of type.getProperties()) {
        const schema = this.convertProperty(type, prop, site);
        if (schema === undefined) continue;
        properties[prop.getName()] = schema;
        if (!prop.isOptional()) required.push(prop.getName());
        if (isDeclaredReadonly(prop)) readonly.push(prop.getName());
      }
      return {
        type: 'object',
        properties,
        required: required.sort(compareStrings),
        additionalProperties: additional,
        ...(readonly.length > 0 ? { 'x-blindbox-readonly': readonly.sort(compareStrings) } : {}),
      };
    } finally {
      this.path.delete(key);
    }
  }

  /** `Record<string, T>` and `{ [key: string]: T }`: the schema of the values; other keys refused. */
  private indexSignature(type: Type, site: TypeSite): false | TypeSchema {
    if (type.getNumberIndexType() && !type.getStringIndexType()) {
      this.refuse(
        type,
        site,
        'number index signatures are not supported: CBOR map keys are strings here; use Record<string, T>',
      );
      return false;
    }
    const infos = this.ctx.checker.getIndexInfosOfType(type.compilerType);
    if (
      infos.some((i) => !(i.keyType.flags & ts.TypeFlags.String) && !(i.keyType.flags & ts.TypeFlags.Number))
    ) {
      this.refuse(
        type,
        site,
        'index signatures over symbol or template keys are not supported: use Record<string, T>',
      );
      return false;
    }
    const value = type.getStringIndexType();
    return value ? this.convert(value, site) : false;
  }

  private convertProperty(owner: Type, prop: MorphSymbol, site: TypeSite): TypeSchema | undefined {
    const name = prop.getName();
    const propSite = this.propertySite(prop, site);
    if (name.startsWith('__@') || name.startsWith('#')) {
      this.refuse(owner, propSite, 'symbol-keyed and private properties cannot be sent');
      return undefined;
    }
    if (name === '__proto__') {
      // Assigned into the schema, and inlined into the bundle as an object literal, "__proto__"
      // would set the prototype instead of a property: the field would silently vanish.
      this.refuse(owner, propSite, "a property named '__proto__' would set the prototype of the object");
      return undefined;
    }
    const decl = prop.getValueDeclaration() ?? prop.getDeclarations()[0];
    if (decl && (Node.isMethodDeclaration(decl) || Node.isMethodSignature(decl))) {
      this.refuse(owner, propSite, 'objects with methods (class instances) cannot be sent');
      return undefined;
    }
    const propType = prop.getTypeAtLocation(site.node);
    const tags = decl ? readConstraintTags(decl) : [];
    if (tags.length === 0) return this.convert(propType, propSite, prop.isOptional());
    return this.constrained(propType, propSite, prop.isOptional(), tags);
  }

  /** A property with constraint tags gets its own (inline) schema: a shared definition cannot carry them. */
  private constrained(type: Type, site: TypeSite, optional: boolean, tags: ConstraintTag[]): TypeSchema {
    const base = this.resolve(this.convert(type, site, optional));
    const { schema, problem } = applyConstraints(base, tags);
    if (problem) {
      this.report(
        'ANALYZE_BAD_CONSTRAINT',
        `${site.label}: @${problem.tag.name} ${problem.tag.value}`.trimEnd() +
          ` does not fit its type: ${problem.reason}. See the constraint tags in docs/reference/types.md.`,
        site.node,
      );
    }
    return schema;
  }

  /** The property's own declaration when the app wrote it, else where the enclosing type was used. */
  private propertySite(prop: MorphSymbol, parent: TypeSite): TypeSite {
    const decl = prop.getValueDeclaration() ?? prop.getDeclarations()[0];
    const label = `property '${prop.getName()}'`;
    if (decl && this.ctx.isProjectFile(decl.getSourceFile().getFilePath())) {
      const nameNode = Node.hasName(decl) ? decl.getNameNode() : decl;
      return { node: nameNode, label };
    }
    return { node: parent.node, label: `${label} of ${parent.label}` };
  }

  /** Where a named type is declared, when the app declared it (so errors point at the declaration). */
  private declarationSite(type: Type): TypeSite | undefined {
    const symbol = type.getAliasSymbol() ?? type.getSymbol();
    const decl = symbol?.getDeclarations()[0];
    if (!decl || !this.ctx.isProjectFile(decl.getSourceFile().getFilePath())) return undefined;
    const node = Node.hasName(decl) ? decl.getNameNode() : decl;
    return { node, label: `type '${symbol?.getName()}'` };
  }

  private isLibSymbol(symbol: MorphSymbol): boolean {
    const decls = symbol.getDeclarations();
    return decls.length > 0 && decls.every((d) => this.ctx.isDefaultLibFile(d.getSourceFile()));
  }

  /** The name of a type declared only in TypeScript's default lib files (Date, Map, Uint8Array, …). */
  private libTypeName(type: Type): string | undefined {
    const symbol = type.getSymbol() ?? type.getAliasSymbol();
    // Anonymous symbols (`__type`, `__object`) are type literals and mapped types such as
    // Partial<T>: their shape is the app's, only the mapping lives in the lib.
    if (!symbol || symbol.getName().startsWith('__')) return undefined;
    const decls = symbol.getDeclarations();
    if (decls.length === 0) return undefined;
    return this.isLibSymbol(symbol) || this.isAnalysisGlobal(symbol) ? symbol.getName() : undefined;
  }

  /** Declared by the analysis' own globals file (ReadableStream, without lib.dom). */
  private isAnalysisGlobal(symbol: MorphSymbol): boolean {
    return symbol
      .getDeclarations()
      .every((d) => d.getSourceFile().getFilePath().endsWith(ANALYSIS_GLOBALS_FILE));
  }

  /**
   * `ReadableStream<Uint8Array>`, `AsyncIterable<Uint8Array>`, or the sdk's `ByteStream` (both at
   * once): a streamed byte field (docs/protocol.md §11.3). Declared by the platform libs, never by
   * the project.
   */
  private isByteStream(type: Type): boolean {
    const parts = type.isIntersection() ? type.getIntersectionTypes() : [type];
    return parts.every((part) => {
      const symbol = part.getSymbol();
      if (!symbol || !['ReadableStream', 'AsyncIterable'].includes(symbol.getName())) return false;
      if (symbol.getDeclarations().some((d) => this.ctx.isProjectFile(d.getSourceFile().getFilePath())))
        return false;
      const [item] = part.getTypeArguments();
      return item !== undefined && this.libTypeName(item) === 'Uint8Array';
    });
  }

  private refuse(type: Type, site: TypeSite, reason: string): TypeSchema {
    // The enclosing node makes the checker print short names, never `import("/abs/path")`.
    const text = type.getText(
      site.node,
      ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope,
    );
    this.report(
      'ANALYZE_UNSUPPORTED_TYPE',
      `${site.label} has type '${text}', which an endpoint cannot carry: ${reason}. ${SUPPORTED_TYPES_HINT}`,
      site.node,
    );
    // Never reaches the manifest: the analysis throws when any error was reported.
    return { type: 'null' };
  }

  private report(
    code: 'ANALYZE_UNSUPPORTED_TYPE' | 'ANALYZE_BAD_CONSTRAINT',
    message: string,
    node: Node,
  ): void {
    const error = new BuildError(code, message, { at: locate(this.ctx.projectDir, node) });
    if (this.seenErrors.has(error.message)) return;
    this.seenErrors.add(error.message);
    this.errors.push(error);
  }
}

/** The file name of the analysis program's own global declarations (see analyze-project.ts). */
export const ANALYSIS_GLOBALS_FILE = '__blindbox_analysis_globals__.d.ts';

function primitiveSchema(type: Type): TypeSchema | undefined {
  if (type.isString()) return { type: 'string' };
  if (type.isNumber()) return { type: 'number' };
  if (type.isBoolean()) return { type: 'boolean' };
  if (type.isNull()) return { type: 'null' };
  if (type.getFlags() & ts.TypeFlags.BigInt)
    return { type: 'string', pattern: BIGINT_PATTERN, 'x-blindbox-js': 'bigint' };
  if (type.isStringLiteral()) return { type: 'string', const: String(type.getLiteralValue()) };
  if (type.isNumberLiteral()) return { type: 'number', const: Number(type.getLiteralValue()) };
  if (type.isBooleanLiteral()) return { type: 'boolean', const: type.getText() === 'true' };
  return undefined;
}

/** Whether a union mixes Date/bigint with other strings (or each other): the wire form is the same. */
function ambiguousStrings(parts: TypeSchema[]): boolean {
  const strings = parts.filter((p) => 'type' in p && p.type === 'string') as { 'x-blindbox-js'?: string }[];
  const special = strings.filter((p) => p['x-blindbox-js'] !== undefined);
  return special.length > 0 && strings.length > 1;
}

function withArguments(name: string, args: readonly Type[], nameArg: (t: Type) => string): string {
  const base = name.replace(/[^A-Za-z0-9_$]/g, '_');
  return args.length === 0 ? base : [base, ...args.map(nameArg)].join('_');
}

/** Byte-wise order of UTF-8 strings (code point order), independent of locale. */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A property written `readonly` where it is declared (an interface, type literal or class). The
 * modifiers a mapped type such as `Readonly<T>` adds are not visible through the public compiler API,
 * so those properties stay plain in the client's types (docs/reference/types.md).
 */
function isDeclaredReadonly(prop: MorphSymbol): boolean {
  const declarations = prop.getDeclarations();
  return (
    declarations.length > 0 &&
    declarations.every(
      (d) => (Node.isPropertySignature(d) || Node.isPropertyDeclaration(d)) && d.isReadonly(),
    )
  );
}
