import type { TypeSchema } from '@blindbox/protocol';
import { type Symbol as MorphSymbol, Node, type SourceFile, type Type, ts } from 'ts-morph';
import { BuildError } from './build-error.js';
import { canonicalJson } from './canonical-json.js';
import { locate } from './source-location.js';

/** What the analysis converts from: the project root (for locations) and the checker's program. */
export interface SchemaContext {
  projectDir: string;
  /** Whether a source file belongs to the app (not to a library or TypeScript's lib files). */
  isProjectFile(filePath: string): boolean;
  /** Whether a source file is one of TypeScript's default lib files (where Date, Map, Uint8Array live). */
  isDefaultLibFile(file: SourceFile): boolean;
}

/** Where a type was written and how to name it in an error: "property 'when'", "parameter 'req'". */
export interface TypeSite {
  node: Node;
  label: string;
}

export const SUPPORTED_TYPES_HINT =
  'Endpoints carry string, number, boolean, null, string/number/boolean literals and unions of them, ' +
  'arrays, plain object types (interfaces, type aliases, optional properties), Uint8Array, and unions ' +
  'of object types.';

/**
 * Converts a checked TypeScript type into the schema the runtime validates with and the client is
 * typed from. Anything the wire format (CBOR/JSON) cannot carry faithfully is refused with a
 * located {@link BuildError} instead of being approximated: a schema that is looser than the type
 * would let the enclave receive data its handler does not expect.
 */
export function typeToSchema(type: Type, site: TypeSite, ctx: SchemaContext): TypeSchema {
  return new SchemaConverter(ctx).convert(type, site, false);
}

class SchemaConverter {
  // Object types on the current path: seeing one again means a recursive type.
  private readonly path = new Set<ts.Type>();

  constructor(private readonly ctx: SchemaContext) {}

  convert(type: Type, site: TypeSite, allowUndefined: boolean): TypeSchema {
    this.refuseUnsendable(type, site);
    if (type.isTypeParameter()) return this.refuse(type, site, 'a generic type parameter is left open');
    if (type.isString()) return { type: 'string' };
    if (type.isNumber()) return { type: 'number' };
    if (type.isBoolean()) return { type: 'boolean' };
    if (type.isNull()) return { type: 'null' };
    if (type.isStringLiteral()) return { type: 'string', const: String(type.getLiteralValue()) };
    if (type.isNumberLiteral()) return { type: 'number', const: Number(type.getLiteralValue()) };
    if (type.isBooleanLiteral()) return { type: 'boolean', const: type.getText() === 'true' };
    if (type.isUnion()) return this.convertUnion(type, site, allowUndefined);
    if (this.isLibType(type, 'Uint8Array')) return { 'x-blindbox-type': 'bytes' };
    if (this.isByteStream(type)) return { 'x-blindbox-type': 'stream' };
    if (type.isTuple()) return this.refuse(type, site, 'tuples are not supported: use an object or an array');
    if (type.isArray() || type.isReadonlyArray()) {
      const item = type.getArrayElementType() ?? type.getTypeArguments()[0];
      if (!item) return this.refuse(type, site, 'the array has no element type');
      return { type: 'array', items: this.convert(item, site, false) };
    }
    const libName = this.libTypeName(type);
    if (libName !== undefined) {
      return this.refuse(type, site, `the built-in ${libName} has no faithful JSON form`);
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

  /** Refuses the kinds of type that have no wire form at all (any, unknown, bigint, symbols, …). */
  private refuseUnsendable(type: Type, site: TypeSite): void {
    const flags = type.getFlags();
    const F = ts.TypeFlags;
    if (flags & F.Any) this.refuse(type, site, '`any` says nothing about the data: give it a type');
    if (flags & F.Unknown) this.refuse(type, site, '`unknown` cannot be validated: give it a type');
    if (flags & F.Never) this.refuse(type, site, '`never` has no values');
    if (flags & (F.BigInt | F.BigIntLiteral)) this.refuse(type, site, 'bigint has no JSON form');
    if (flags & (F.ESSymbol | F.UniqueESSymbol)) this.refuse(type, site, 'symbols cannot be sent');
    if (flags & F.Void) this.refuse(type, site, 'void is not a value');
    if (flags & F.NonPrimitive) this.refuse(type, site, '`object` has no known properties');
    if (flags & F.TemplateLiteral) this.refuse(type, site, 'template literal types are not supported');
    if (flags & F.Undefined) {
      this.refuse(type, site, 'undefined is not carried: make the property optional (`name?: T`)');
    }
  }

  private convertUnion(type: Type, site: TypeSite, allowUndefined: boolean): TypeSchema {
    const members = type.getUnionTypes();
    const defined = members.filter((t) => !t.isUndefined());
    if (defined.length !== members.length && !allowUndefined) {
      return this.refuse(type, site, 'undefined is not carried: make the property optional (`name?: T`)');
    }
    const [only] = defined;
    if (defined.length === 1 && only) return this.convert(only, site, false);

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
    for (const other of others) parts.push(this.convert(other, site, false));
    // anyOf is unordered; sorting by canonical form makes the manifest independent of the order in
    // which the checker happened to create the member types (which can vary with `entry`).
    parts.sort((a, b) => compareStrings(canonicalJson(a), canonicalJson(b)));
    const [single] = parts;
    return parts.length === 1 && single ? single : { anyOf: parts };
  }

  private convertObject(type: Type, site: TypeSite): TypeSchema {
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
      return this.refuse(type, site, 'functions cannot be sent');
    }
    if (type.getStringIndexType() || type.getNumberIndexType()) {
      return this.refuse(
        type,
        site,
        'index signatures (Record<string, T>) are not supported: list the properties',
      );
    }
    const key = type.compilerType;
    if (this.path.has(key)) {
      return this.refuse(type, site, 'recursive types are not supported: bound the nesting explicitly');
    }
    this.path.add(key);
    try {
      const properties: Record<string, TypeSchema> = {};
      const required: string[] = [];
      for (const prop of type.getProperties()) {
        const name = prop.getName();
        const propSite = this.propertySite(prop, site);
        if (name.startsWith('__@') || name.startsWith('#')) {
          return this.refuse(type, propSite, 'symbol-keyed and private properties cannot be sent');
        }
        if (name === '__proto__') {
          // Assigned below, and inlined into the bundle as an object literal, "__proto__" would set
          // the prototype instead of a property: the field would silently vanish from the schema.
          return this.refuse(
            type,
            propSite,
            "a property named '__proto__' would set the prototype of the object",
          );
        }
        const decl = prop.getValueDeclaration() ?? prop.getDeclarations()[0];
        if (decl && (Node.isMethodDeclaration(decl) || Node.isMethodSignature(decl))) {
          return this.refuse(type, propSite, 'objects with methods (class instances) cannot be sent');
        }
        const propType = prop.getTypeAtLocation(site.node);
        properties[name] = this.convert(propType, propSite, prop.isOptional());
        if (!prop.isOptional()) required.push(name);
      }
      return {
        type: 'object',
        properties,
        required: required.sort(compareStrings),
        additionalProperties: false,
      };
    } finally {
      this.path.delete(key);
    }
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

  /** The name of a type declared only in TypeScript's default lib files (Date, Map, Uint8Array, …). */
  private libTypeName(type: Type): string | undefined {
    const symbol = type.getSymbol() ?? type.getAliasSymbol();
    // Anonymous symbols (`__type`, `__object`) are type literals and mapped types such as
    // Partial<T>: their shape is the app's, only the mapping lives in the lib.
    if (!symbol || symbol.getName().startsWith('__')) return undefined;
    const decls = symbol.getDeclarations();
    if (decls.length === 0) return undefined;
    const inLib = decls.every((d) => this.ctx.isDefaultLibFile(d.getSourceFile()));
    return inLib ? symbol.getName() : undefined;
  }

  /**
   * `ReadableStream<Uint8Array>`, `AsyncIterable<Uint8Array>`, or the sdk's `ByteStream` (both at
   * once): a streamed byte field (docs/protocol.md §11.3). Declared by the platform libs (DOM,
   * ES2018, @types/node), never by the project.
   */
  private isByteStream(type: Type): boolean {
    const parts = type.isIntersection() ? type.getIntersectionTypes() : [type];
    return parts.every((part) => {
      const symbol = part.getSymbol();
      if (!symbol || !['ReadableStream', 'AsyncIterable'].includes(symbol.getName())) return false;
      if (symbol.getDeclarations().some((d) => this.ctx.isProjectFile(d.getSourceFile().getFilePath())))
        return false;
      const [item] = part.getTypeArguments();
      return item !== undefined && this.isLibType(item, 'Uint8Array');
    });
  }

  private isLibType(type: Type, name: string): boolean {
    return this.libTypeName(type) === name;
  }

  private refuse(type: Type, site: TypeSite, reason: string): never {
    // The enclosing node makes the checker print short names, never `import("/abs/path")`.
    const text = type.getText(
      site.node,
      ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope,
    );
    throw new BuildError(
      'ANALYZE_UNSUPPORTED_TYPE',
      `${site.label} has type '${text}', which an endpoint cannot carry: ${reason}. ${SUPPORTED_TYPES_HINT}`,
      { at: locate(this.ctx.projectDir, site.node) },
    );
  }
}

/** Byte-wise order of UTF-8 strings (code point order), independent of locale. */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
