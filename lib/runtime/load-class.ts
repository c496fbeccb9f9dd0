/** Finding the user's class inside a worker: by module URL and export name, or among classes given to `expose()`. */
import type { InitPayload } from '../protocol/messages.ts';
import type { RequireModule } from './require-module.ts';
import { loadWatchingSelfImport } from './self-import.ts';

type AnyClass = new (...args: any[]) => object;

export function isClass(value: unknown): value is AnyClass {
  return typeof value === 'function' && typeof (value as { prototype?: unknown }).prototype === 'object';
}

export function pickExport(exports: Record<string, unknown>, exportName: string, where: string): AnyClass {
  if (!(exportName in exports)) {
    const available = Object.keys(exports).filter((k) => isClass(exports[k]));
    throw new TypeError(`${where} has no export "${exportName}"; exported classes: ${available.join(', ') || '(none)'}`);
  }
  const value = exports[exportName];
  if (!isClass(value)) {
    throw new TypeError(`export "${exportName}" of ${where} is not a class (it is ${value === null ? 'null' : typeof value})`);
  }
  return value;
}

/** The pool's class in this worker; `requireModule` (Node workers: require-module.ts) loads it without the ES loader. */
export async function importClass(init: InitPayload, requireModule?: RequireModule): Promise<AnyClass> {
  // Loaded only for shipSource pools: every worker's start-up pays for each module of the runtime it imports.
  if (init.source) return (await import('./shipped-class.ts')).evaluateShipped(init.source, init.exportName);
  if (!init.module) throw new TypeError('this worker was started without a module and no class was exposed in it');
  const module = init.module;
  let exports: Record<string, unknown>;
  try {
    // The module may be a script that creates this very pool at its top level: it then hands over the class.
    const loaded = await loadWatchingSelfImport(module, async () => requireModule?.(module) ?? (await import(module)));
    if ('selfImported' in loaded && typeof loaded.selfImported === 'function') return loaded.selfImported as AnyClass;
    exports = loaded as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(init.module.replace('file://', ''))) {
      throw Object.assign(new Error(`cannot load the pool's class module ${init.module}: file not found`, { cause: error }), { code });
    }
    throw error;
  }
  return pickExport(exports, init.exportName, init.module);
}
