/**
 * The worker's side of `shipSource`: evaluate a class's source text, binding the names objectproxypool provides.
 *
 * Trust: the text is the user's own class, read with `Function.prototype.toString` by the pool that starts this
 * worker and sent over the pool's private channel (a MessagePort or the IPC pipe of a forked child). Nothing
 * arriving from a network is ever evaluated; remote hosts load modules instead.
 */
import type { ShippedSource } from '../class-source/names.ts';
import { SHARED_NAMES, capturedError } from '../class-source/names.ts';
import { inWorker, workerContext } from './context.ts';
import { taskContext } from './task-context.ts';
import { Rng } from './rng.ts';

type AnyClass = new (...args: any[]) => object;

/** esbuild's own definition of the helper its keepNames option inserts (tsx turns it on). */
const __name = (target: object, value: string) => Object.defineProperty(target, 'name', { value, configurable: true });

const runtimeBindings: Record<string, unknown> = { workerContext, inWorker, Rng, taskContext, __name };

export async function evaluateShipped(source: ShippedSource, exportName: string): Promise<AnyClass> {
  // A global the host had may be missing here: a notebook kernel's own `var`s and functions live on its globalThis.
  const missing = source.globals.filter((name) => !(name in globalThis));
  if (missing.length > 0) throw capturedError(exportName || 'the class', missing, undefined, ' (globals of the main thread are not globals of a worker)');
  const values: unknown[] = [];
  const needsShared = source.provided.some((name) => (SHARED_NAMES as readonly string[]).includes(name));
  const shared: Record<string, unknown> = needsShared ? await import('../shared/index.ts') : {};
  for (const name of source.provided) values.push(name in runtimeBindings ? runtimeBindings[name] : shared[name]);
  // The sourceURL names the class in stack traces of errors thrown by its methods.
  const factory = new Function(...source.provided, `return (${source.code}\n);\n//# sourceURL=objectproxypool-shipped:${encodeURIComponent(exportName || 'class')}.js`);
  const Class = factory(...values) as AnyClass;
  if (typeof Class !== 'function') throw new TypeError(`the shipped source of ${exportName} did not evaluate to a class`);
  return Class;
}
