/**
 * Errors cross the wire as plain data and come back as instances of their own class.
 *
 * Structured clone keeps only the built-in classes and drops own properties; comlink and workerpool lose
 * classes too (ANCHORS.md, complaint 1). We encode name, message, stack, `cause` (recursively), `errors` of an
 * AggregateError and every cloneable own property, and rebuild with the class registered under that name.
 */

export interface EncodedError {
  /** The constructor's name, used to find the class on the receiving side. */
  className: string;
  name: string;
  message: string;
  stack?: string;
  cause?: { value: EncodedError | unknown; isError: boolean };
  errors?: Array<EncodedError>;
  /** Own enumerable properties other than the above, each already checked to be cloneable. */
  props: Record<string, unknown>;
}

/** A subclass of Error. */
export type ErrorClass = new (...args: any[]) => Error;

const REGISTRY = Symbol.for('objectproxypool.errorClasses');

const builtins: Record<string, ErrorClass> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
};

/**
 * Classes known by name, shared by every pool in this realm. Built-ins are always known. The map lives on
 * `globalThis` under a registered symbol: a thread worker's runtime is a bundled copy of this module
 * (dist/runtime/thread-entry.cjs), and a class registered by user code through the package must reach it.
 */
const registry: Map<string, ErrorClass> = ((globalThis as { [REGISTRY]?: Map<string, ErrorClass> })[REGISTRY] ??= new Map(
  Object.entries(builtins),
));

/**
 * Make a custom error class come back as itself when a worker throws it.
 * Without registration the error still arrives with its name, message, stack and properties, as an `Error`.
 *
 * @example
 * class ModelDiverged extends Error { constructor(public step: number) { super(`diverged at ${step}`); } }
 * registerErrorClass(ModelDiverged);
 */
export function registerErrorClass(cls: ErrorClass, name: string = cls.name): void {
  if (typeof cls !== 'function' || !(cls.prototype instanceof Error || cls === Error)) {
    throw new TypeError(`registerErrorClass expects a subclass of Error, got ${String(cls)}`);
  }
  registry.set(name, cls);
}

function isCloneable(value: unknown): boolean {
  if (value === null || typeof value !== 'object' && typeof value !== 'function') return typeof value !== 'symbol';
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

const handledKeys = new Set(['name', 'message', 'stack', 'cause', 'errors']);

/** Turn anything thrown into plain cloneable data. Non-errors (`throw 42`) are wrapped so they survive too. */
export function encodeError(thrown: unknown, depth = 0): EncodedError {
  if (!(thrown instanceof Error)) {
    if (thrown && typeof thrown === 'object' && typeof (thrown as Error).message === 'string' && typeof (thrown as Error).name === 'string') {
      // An error from another realm (vm context, another worker) fails instanceof but is still an error.
      return encodeError(Object.assign(new Error((thrown as Error).message), thrown), depth);
    }
    return {
      className: 'Error',
      name: 'Error',
      message: `non-error value thrown: ${describe(thrown)}`,
      props: isCloneable(thrown) ? { thrown } : {},
    };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (handledKeys.has(key)) continue;
    const value = (thrown as unknown as Record<string, unknown>)[key];
    if (isCloneable(value)) props[key] = value;
    else props[key] = `[not cloneable: ${describe(value)}]`;
  }
  const encoded: EncodedError = {
    className: thrown.constructor?.name ?? 'Error',
    name: thrown.name,
    message: thrown.message,
    stack: thrown.stack,
    props,
  };
  if ('cause' in thrown && depth < 8) {
    const cause = thrown.cause;
    encoded.cause = cause instanceof Error
      ? { value: encodeError(cause, depth + 1), isError: true }
      : { value: isCloneable(cause) ? cause : describe(cause), isError: false };
  }
  if (thrown instanceof AggregateError && depth < 8) {
    encoded.errors = thrown.errors.map((e) => encodeError(e, depth + 1));
  }
  return encoded;
}

function describe(value: unknown): string {
  try {
    return typeof value === 'function' ? `function ${value.name}` : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Rebuild an error of the registered class without running its constructor (which may need arguments). */
export function decodeError(encoded: EncodedError): Error {
  const cls = registry.get(encoded.className) ?? registry.get(encoded.name) ?? Error;
  const error = Object.create(cls.prototype) as Error;
  define(error, 'message', encoded.message);
  if (encoded.stack !== undefined) define(error, 'stack', encoded.stack);
  // `name` is usually inherited from the prototype; keep a differing one (e.g. set in the constructor) as own.
  if (error.name !== encoded.name) define(error, 'name', encoded.name);
  if (encoded.cause) {
    const { value, isError } = encoded.cause;
    define(error, 'cause', isError ? decodeError(value as EncodedError) : value);
  }
  if (encoded.errors) define(error, 'errors', encoded.errors.map(decodeError));
  Object.assign(error, encoded.props);
  return error;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}
