/**
 * The JSON Schema subset BlindBox uses for endpoint inputs and outputs (a subset of JSON Schema
 * 2020-12, plus one extension: `{ "x-blindbox-type": "bytes" }` for `Uint8Array`, which travels as
 * a CBOR byte string). Objects are closed (`additionalProperties: false`).
 */
export type TypeSchema =
  | {
      type: 'string';
      enum?: string[];
      const?: string;
      minLength?: number;
      maxLength?: number;
      pattern?: string;
      /** A format the validator checks: 'email', 'uri', 'uuid', 'date-time', 'date'. */
      format?: string;
      /**
       * The in-memory JavaScript type the string stands for on both sides of the call: a `Date`
       * (RFC 3339 UTC as `toISOString()` prints it) or a `bigint` (canonical decimal).
       */
      'x-blindbox-js'?: 'Date' | 'bigint';
    }
  | {
      type: 'number' | 'integer';
      enum?: number[];
      const?: number;
      minimum?: number;
      maximum?: number;
      exclusiveMinimum?: number;
      exclusiveMaximum?: number;
    }
  | { type: 'boolean'; const?: boolean }
  | { type: 'null' }
  | {
      type: 'array';
      items: TypeSchema;
      minItems?: number;
      maxItems?: number;
      /** A tuple: element i matches prefixItems[i] (minItems = maxItems = its length). */
      prefixItems?: TypeSchema[];
    }
  | {
      type: 'object';
      properties: Record<string, TypeSchema>;
      required: string[];
      additionalProperties: false | TypeSchema;
      /**
       * Properties declared `readonly` in the handler's types, sorted. An annotation: it makes them
       * `readonly` in the generated client's types; values are not checked for it (a decoded value
       * is a fresh copy either way). Absent when there are none.
       */
      'x-blindbox-readonly'?: string[];
    }
  | { 'x-blindbox-type': 'bytes'; maxLength?: number }
  /**
   * v1.1: a streamed byte field (`ReadableStream<Uint8Array>` or `AsyncIterable<Uint8Array>` in the
   * handler's signature). It travels as the tail of a session message (docs/protocol.md §11.3): at
   * most one per input or output, as the whole value or a top-level property.
   */
  | { 'x-blindbox-type': 'stream'; maxLength?: number }
  | { anyOf: TypeSchema[] }
  | { $ref: string };

/** One `@endpoint` method as the build's analysis found it. */
export interface EndpointManifest {
  /** The method name; also the name the client calls and the name sealed into each request. */
  name: string;
  /** Schema of the single argument. */
  input: TypeSchema;
  /** Schema of the resolved value of the returned Promise. */
  output: TypeSchema;
  /** Where it is declared, `relative/path.ts:line:column` from the project root. */
  source: string;
  /**
   * The handler method's name on the class, when `@endpoint({ name })` renamed the endpoint.
   * Default: `name`.
   */
  method?: string;
  /** The handler's JSDoc text, carried into the generated client as TSDoc. */
  description?: string;
  /**
   * v1.1: the handler may run twice for one call without harm (`@endpoint({ idempotent: true })`):
   * the client may then resend after an answer that does not prove the call did not run
   * (docs/protocol.md §11.7). Default: false.
   */
  idempotent?: boolean;
  /** v1.1: body limits from the endpoint options; the client refuses larger inputs before sealing. */
  limits?: {
    /** Largest input, in bytes of its CBOR encoding plus any streamed tail. */
    maxInputBytes?: number;
    /** Largest output, likewise. */
    maxOutputBytes?: number;
  };
}

/** What the build found in the source: written as canonical JSON to `app-manifest.json`. */
export interface AppManifest {
  manifestVersion: 1;
  /** The app name (from `@enclave({ name })`) and version (from the project's package.json). */
  app: { name: string; version: string };
  /** The decorated class: its export name and the module that declares it, relative to the project root. */
  enclave: { className: string; module: string };
  /** Sorted by name. */
  endpoints: EndpointManifest[];
  /** Named schemas referenced by `$ref: "#/definitions/<name>"`. */
  definitions?: Record<string, TypeSchema>;
}
