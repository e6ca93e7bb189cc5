/** Options of {@link enclave}. */
export interface EnclaveOptions {
  /** The app's name: it names the image, the release and the generated client. Lowercase, `[a-z0-9-]`. */
  name: string;
}

/**
 * Options of {@link endpoint}. `blindbox build` reads them from the source (literals only) into the
 * app manifest; the runtime and the generated client enforce them (docs/reference/types.md).
 */
export interface EndpointOptions {
  /** The endpoint's name for clients (a JavaScript identifier). Default: the method's name. */
  name?: string;
  /** The handler may run twice for one call without harm: the client may then resend. Default: false. */
  idempotent?: boolean;
  /** Largest input, in bytes of its CBOR encoding plus any streamed tail. Default: the server's limit. */
  maxInputBytes?: number;
  /** Largest output, likewise. Default: the server's limit. */
  maxOutputBytes?: number;
}

type AnyClass = abstract new (...args: never[]) => unknown;
// biome-ignore lint/suspicious/noExplicitAny: the decorator must accept any method signature; types come from the build's analysis.
type AnyMethod = (this: any, ...args: any[]) => any;

const enclaves = new WeakMap<AnyClass, EnclaveOptions>();
const endpoints = new WeakSet<AnyMethod>();

/**
 * Marks the class whose `@endpoint` methods the enclave serves. TC39 decorator: needs no
 * `experimentalDecorators`. Types come from `blindbox build`'s analysis, not from run-time metadata.
 */
export function enclave(options: EnclaveOptions) {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(options.name)) {
    throw new TypeError(`@enclave name must match [a-z][a-z0-9-]*, got ${JSON.stringify(options.name)}`);
  }
  return <C extends AnyClass>(target: C, context: ClassDecoratorContext<C>): void => {
    if (context.kind !== 'class') throw new TypeError('@enclave decorates classes');
    enclaves.set(target, { ...options });
  };
}

/**
 * Marks a method as callable by clients. The method takes one object argument and returns a Promise.
 * The runtime refuses to call any method that does not carry this mark.
 */
export function endpoint(_options: EndpointOptions = {}) {
  return <M extends AnyMethod>(method: M, context: ClassMethodDecoratorContext<unknown, M>): void => {
    if (context.kind !== 'method' || context.static || context.private) {
      throw new TypeError('@endpoint decorates public instance methods');
    }
    endpoints.add(method);
  };
}

/** The options an `@enclave` class was declared with, or undefined. Used by the runtime. */
export function getEnclaveOptions(target: AnyClass): EnclaveOptions | undefined {
  return enclaves.get(target);
}

/** Whether a function was declared with `@endpoint`. Used by the runtime as a second gate after the manifest. */
export function isEndpoint(fn: unknown): boolean {
  return typeof fn === 'function' && endpoints.has(fn as AnyMethod);
}
