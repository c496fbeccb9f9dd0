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
  /** Own properties whose values are errors (SuppressedError's `error` and `suppressed`, wrappers), encoded as errors. */
  nested?: Record<string, EncodedError>;
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
  // Structured-cloneable, yet its name, message and code live in internal slots: rebuilt by construction.
  ...(typeof DOMException === 'function' ? { DOMException: DOMException as unknown as ErrorClass } : {}),
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
export function registerErrorClass(cls: ErrorClass, name?: string): void {
  if (!isErrorClass(cls)) throw new TypeError(`registerErrorClass expects a subclass of Error, got ${describe(cls)}`);
  const key = name ?? cls.name;
  if (typeof key !== 'string' || key === '') throw new TypeError('registerErrorClass: the class has no name; pass one as second argument');
  registry.set(key, cls);
}

/** Whether `value` is Error or a class extending it (DOMException included); never throws. */
export function isErrorClass(value: unknown): value is ErrorClass {
  try {
    return typeof value === 'function' && (value === Error || (value as { prototype?: unknown }).prototype instanceof Error);
  } catch {
    return false;
  }
}

/**
 * Limits of what is read from one thrown value (issue 17): a thrown value is the user's, and may be anything — a
 * getter or a Proxy trap that throws, a revoked Proxy, a cyclic or endless `cause` chain, a 100 MB message. Every
 * read is guarded and bounded, so that encoding can not throw, can not loop and stays small.
 */
const MAX_DEPTH = 8;
const MAX_MESSAGE = 100_000;
const MAX_PROPS = 100;
const MAX_ERRORS = 100;

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

/** Reads `target[key]`, noting in `unreadable` what threw instead of throwing. */
function read(target: object, key: string, unreadable: string[]): unknown {
  try {
    return Reflect.get(target, key);
  } catch (error) {
    unreadable.push(`${key} (${describe(error)})`);
    return undefined;
  }
}

function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false; // a Proxy whose getPrototypeOf trap throws, or a revoked one
  }
}

function bounded(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE)}… [${text.length - MAX_MESSAGE} more characters cut by objectproxypool]`;
}

/**
 * Turn anything thrown into plain cloneable data; never throws. Non-errors (`throw 42`) are wrapped so they survive
 * too: an Error whose message describes the value, with the value itself (when it can be cloned) as `thrown`.
 */
export function encodeError(thrown: unknown, depth = 0): EncodedError {
  try {
    return encode(thrown, depth, new Set());
  } catch (error) {
    // Not expected (every read above is guarded); if it happens, the call still fails with an error, not the worker.
    return { className: 'Error', name: 'Error', message: `a thrown value could not be encoded: ${describe(error)}`, props: {} };
  }
}

function encode(thrown: unknown, depth: number, seen: Set<object>): EncodedError {
  const unreadable: string[] = [];
  const isObject = thrown !== null && (typeof thrown === 'object' || typeof thrown === 'function');
  const error = isObject && isError(thrown);
  // An error from another realm (vm context, another worker), or an error-like object ({ message, ... }), is kept
  // as an error: its message and properties arrive, as with workerpool.
  const message = isObject && typeof thrown !== 'function' ? read(thrown, 'message', unreadable) : undefined;
  if (!error && typeof message !== 'string') {
    return {
      className: 'Error',
      name: 'Error',
      message: bounded(`non-error value thrown: ${describe(thrown)}`),
      props: isCloneable(thrown) ? { thrown } : {},
    };
  }
  const target = thrown as object;
  seen.add(target);
  const name = read(target, 'name', unreadable);
  const stack = read(target, 'stack', unreadable);
  let className = 'Error';
  const ctor = read(target, 'constructor', unreadable);
  if (typeof ctor === 'function') {
    const ctorName = read(ctor, 'name', unreadable);
    if (typeof ctorName === 'string' && ctorName) className = ctorName;
  }
  const encoded: EncodedError = {
    className,
    name: typeof name === 'string' ? bounded(name) : name === undefined ? 'Error' : bounded(describe(name)),
    message: typeof message === 'string' ? bounded(message) : message === undefined ? '' : bounded(describe(message)),
    stack: typeof stack === 'string' ? bounded(stack) : undefined,
    props: {},
  };
  encodeProps(target, encoded, depth, seen, unreadable);
  let hasCause = false;
  try {
    hasCause = 'cause' in target;
  } catch (e) {
    unreadable.push(`cause (${describe(e)})`);
  }
  if (hasCause) {
    const cause = read(target, 'cause', unreadable);
    encoded.cause = nested(cause, depth, seen, 'cause', unreadable);
  }
  const errors = className === 'AggregateError' || read(target, 'name', []) === 'AggregateError' ? read(target, 'errors', unreadable) : undefined;
  if (errors !== undefined) {
    let list: unknown[] = [];
    try {
      if (Array.isArray(errors)) list = errors.slice(0, MAX_ERRORS);
      if (Array.isArray(errors) && errors.length > MAX_ERRORS) unreadable.push(`errors beyond the first ${MAX_ERRORS} (of ${errors.length})`);
    } catch (e) {
      unreadable.push(`errors (${describe(e)})`);
    }
    if (depth < MAX_DEPTH) encoded.errors = list.map((e) => encode(e, depth + 1, seen));
    else unreadable.push(`errors (nested deeper than ${MAX_DEPTH} levels)`);
  }
  if (unreadable.length > 0) encoded.props.unreadable = unreadable;
  return encoded;
}

/** A `cause` or an error-valued property: encoded as an error if it is one, as a value otherwise. */
function nested(value: unknown, depth: number, seen: Set<object>, key: string, unreadable: string[]): { value: EncodedError | unknown; isError: boolean } {
  const isObject = value !== null && typeof value === 'object';
  if (isObject && seen.has(value)) return { value: `[circular: this ${key} is an error already in this chain]`, isError: false };
  if (isObject && isError(value)) {
    if (depth >= MAX_DEPTH) {
      unreadable.push(`${key} (nested deeper than ${MAX_DEPTH} levels)`);
      return { value: `[cut: nested deeper than ${MAX_DEPTH} levels]`, isError: false };
    }
    return { value: encode(value, depth + 1, seen), isError: true };
  }
  return { value: isCloneable(value) ? value : describe(value), isError: false };
}

function encodeProps(target: object, encoded: EncodedError, depth: number, seen: Set<object>, unreadable: string[]): void {
  let keys: string[] = [];
  try {
    keys = Object.keys(target);
  } catch (e) {
    unreadable.push(`its own properties (${describe(e)})`);
  }
  if (keys.length > MAX_PROPS) {
    unreadable.push(`properties beyond the first ${MAX_PROPS} (of ${keys.length})`);
    keys = keys.slice(0, MAX_PROPS);
  }
  // A DOMException's code is a getter of its prototype, not an own property: keep it.
  if (encoded.className === 'DOMException') keys.push('code');
  // A native SuppressedError (Node 24) holds `error` and `suppressed` as own but non-enumerable properties.
  if (encoded.className === 'SuppressedError') {
    for (const key of ['error', 'suppressed']) {
      try {
        if (!keys.includes(key) && Object.prototype.hasOwnProperty.call(target, key)) keys.push(key);
      } catch {
        // a Proxy posing as one: its properties are read (and named if unreadable) like any other's
      }
    }
  }
  for (const key of keys) {
    if (handledKeys.has(key)) continue;
    const value = read(target, key, unreadable);
    if (value !== null && typeof value === 'object' && isError(value)) {
      // An error held in a property (SuppressedError's error and suppressed, a custom wrapper): keeps its class.
      const inner = nested(value, depth, seen, key, unreadable);
      if (inner.isError) (encoded.nested ??= {})[key] = inner.value as EncodedError;
      else encoded.props[key] = inner.value;
    } else if (isCloneable(value)) encoded.props[key] = value;
    else encoded.props[key] = `[not cloneable: ${describe(value)}]`;
  }
}

/** A short description of any value; never throws. */
export function describe(value: unknown): string {
  try {
    if (typeof value === 'string') return bounded(value);
    if (typeof value === 'function') return `function ${typeof value.name === 'string' ? value.name || '(anonymous)' : '(anonymous)'}`;
    if (typeof value === 'symbol') return value.toString();
    if (value !== null && typeof value === 'object' && isError(value)) {
      const name = Reflect.get(value, 'name');
      const message = Reflect.get(value, 'message');
      return bounded(`${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : ''}`);
    }
    return bounded(String(value));
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return typeof value === 'object' ? '[an object that can not be inspected (a revoked Proxy?)]' : `[${typeof value}]`;
    }
  }
}

/**
 * Rebuild an error of the registered class without running its constructor (which may need arguments); never
 * throws. A DOMException is constructed for real: its name, message and code live in internal slots.
 */
export function decodeError(encoded: EncodedError): Error {
  try {
    return rebuild(encoded, registry.get(encoded.className) ?? registry.get(encoded.name) ?? Error);
  } catch {
    // The registered class's prototype refused (a getter that throws on a bare instance): a plain Error, same data.
    try {
      return rebuild(encoded, Error);
    } catch {
      return new Error(typeof encoded?.message === 'string' ? encoded.message : 'an error that could not be rebuilt');
    }
  }
}

function rebuild(encoded: EncodedError, cls: ErrorClass): Error {
  const domException = typeof DOMException === 'function' && (cls as unknown) === DOMException;
  const error = domException ? new DOMException(encoded.message, encoded.name) : (Object.create(cls.prototype) as Error);
  if (!domException) define(error, 'message', encoded.message);
  if (encoded.stack !== undefined) define(error, 'stack', encoded.stack);
  // `name` is usually inherited from the prototype; keep a differing one (e.g. set in the constructor) as own.
  if (!domException && error.name !== encoded.name) define(error, 'name', encoded.name);
  if (encoded.cause) {
    const { value, isError } = encoded.cause;
    define(error, 'cause', isError ? decodeError(value as EncodedError) : value);
  }
  if (encoded.errors) define(error, 'errors', encoded.errors.map(decodeError));
  // A DOMException's code follows from its name (set by construction); its other properties are copied.
  for (const key of Object.keys(encoded.props)) {
    if (!(domException && key === 'code')) (error as unknown as Record<string, unknown>)[key] = encoded.props[key];
  }
  if (encoded.nested) for (const [key, value] of Object.entries(encoded.nested)) (error as unknown as Record<string, unknown>)[key] = decodeError(value);
  return error;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}
