/**
 * Functions cannot travel to a worker (they are not cloneable, and a closure's variables would not come along), so
 * a function run in a worker — a partitioned job, a service's insideRun — is named by its module and export name
 * and imported there. Eidolon has the same rule ("the target must exist in a module scope").
 */
import { moduleUrlOf } from '../platform/platform.ts';
import { ArgumentError } from '../protocol/errors.ts';

/** A module given as URL, file URL or path, as the URL string a worker can import. */
export function toModuleUrlString(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') throw new ArgumentError('module must be a URL or a path');
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  return moduleUrlOf(module);
}

/** Where a function run in workers lives: its module (URL) and export name. */
export interface FunctionRef {
  module: string;
  name: string;
}

const verified = new WeakMap<Function, Map<string, Promise<void>>>();

/** Checks once per (function, module) that the module really exports this function under its name. */
export function refOf(fn: ((...args: any[]) => unknown) | FunctionRef, module: string | URL | undefined, what = 'partition'): Promise<FunctionRef> {
  if (typeof fn !== 'function') {
    if (!fn || typeof fn.module !== 'string' || typeof fn.name !== 'string') throw new ArgumentError(what + ': fn must be an exported function (with the module option) or { module, name }');
    return Promise.resolve({ module: toModuleUrlString(fn.module), name: fn.name });
  }
  if (module === undefined) {
    throw new ArgumentError(`${what}: functions cannot be sent to workers; pass { module: import.meta.url } from the module that exports ${fn.name || 'the function'}`);
  }
  const url = toModuleUrlString(module);
  const ref = { module: url, name: fn.name };
  let byModule = verified.get(fn);
  if (!byModule) verified.set(fn, (byModule = new Map()));
  let check = byModule.get(url);
  if (!check) {
    check = import(url).then((exports: Record<string, unknown>) => {
      if (exports[fn.name] !== fn) throw new ArgumentError(`${what}: ${url} does not export this function as "${fn.name}"; partitioned functions must be exported from the module given`);
    });
    byModule.set(url, check);
  }
  return check.then(() => ref);
}


const loaded = new Map<string, Promise<Record<string, unknown>>>();

/** In a worker: the function a FunctionRef names (imported once per module). */
export async function loadFunction(ref: FunctionRef): Promise<(...args: any[]) => unknown> {
  let exports = loaded.get(ref.module);
  if (!exports) loaded.set(ref.module, (exports = import(ref.module) as Promise<Record<string, unknown>>));
  const fn = (await exports)[ref.name];
  if (typeof fn !== 'function') {
    throw new TypeError(`${ref.module} has no exported function "${ref.name}" (it is ${fn === undefined ? 'missing' : typeof fn}); functions run in workers must be exported from their module`);
  }
  return fn as (...args: any[]) => unknown;
}
