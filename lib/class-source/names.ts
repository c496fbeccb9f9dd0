/**
 * What shipped class source (the pool's `shipSource` option) may use besides globals and its own definitions:
 * the names objectproxypool hands to it in the worker. Kept free of imports so that both the host's check and
 * the worker's evaluation read the same list without loading the parser or the shared-memory module.
 */
import { registerErrorClass } from '../protocol/error-codec.ts';

/** Names bound from the worker runtime itself (always loaded in a worker). */
export const RUNTIME_NAMES = ['workerContext', 'inWorker', 'Rng', 'taskContext'] as const;

/**
 * Names bound from the shared-memory module; it is loaded in the worker only when the class uses one of them.
 * `spec/inline-class.spec.ts` checks that each is a real export of the package.
 */
export const SHARED_NAMES = [
  'SharedArrayWrapper',
  'SharedLock',
  'SharedCounter',
  'atomicAdd',
  'atomicLoad',
  'atomicStore',
  'atomicUpdate',
] as const;

/**
 * Helpers a compiler may insert into a class's source. tsx (esbuild with keepNames) wraps names as
 * `__name(fn, "name")` and adds `static { __name(this, "Model") }`; the worker defines it exactly as esbuild does.
 */
export const HELPER_NAMES = ['__name'] as const;

export const PROVIDED_NAMES: ReadonlySet<string> = new Set<string>([...RUNTIME_NAMES, ...SHARED_NAMES, ...HELPER_NAMES]);

/** A class's source as sent to workers, with the names it uses from outside itself. */
// The shape lives with the other messages (protocol/messages.ts) so that the wire format imports nothing from here.
export type { ShippedSource } from '../protocol/messages.ts';

/**
 * A class given with `shipSource: true` uses variables it does not define (and that are neither globals nor
 * names objectproxypool provides): evaluated alone in a worker, it could not run. `variables` names them.
 *
 * @example
 * const SCALE = 2;
 * class Model { scaled(x: number) { return x * SCALE; } }
 * await ProxyPool.create(Model, { workers: 2, shipSource: true });
 * // rejects: CapturedVariableError: Model cannot be shipped to workers as source: it uses SCALE, defined outside the class ...
 */
export class CapturedVariableError extends Error {
  override name = 'CapturedVariableError';
  constructor(
    message: string,
    /** The outside variables the class uses, in order of first use. */
    readonly variables: string[] = [],
  ) {
    super(message);
  }
}

// Raised in a worker too (a global the worker lacks): rebuilt with its class on the host.
registerErrorClass(CapturedVariableError);

/** The error for `captured` names of class `label`; `superName` is the class it extends, if named. */
export function capturedError(label: string, captured: string[], superName: string | undefined, where = ''): CapturedVariableError {
  const list = captured.map((id) => (id === superName ? `${id} (the class it extends)` : id)).join(', ');
  const helper = captured.find((id) => /^__[a-z]/i.test(id));
  return new CapturedVariableError(
    `${label} cannot be shipped to workers as source: it uses ${list}, defined outside the class${where}. ` +
      'Shipped source is evaluated alone in each worker, where only globals, the names objectproxypool provides ' +
      `(${[...PROVIDED_NAMES].filter((n) => !n.startsWith('__')).join(', ')}) and what the class defines itself exist. ` +
      'Move the value into the class (a static field or method), pass it as a constructor argument (option args), ' +
      'or export the class from a module and pass { module: import.meta.url }.' +
      (helper ? ` (${helper} looks like a compiler helper: compile for a current target, without decorators or down-levelled class features.)` : ''),
    captured,
  );
}
