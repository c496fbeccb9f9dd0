/**
 * Self-import: a script that creates its pool at top level and names itself as the class's module
 * (`module: import.meta.url`, the form create()'s own error message recommends). A thread or process worker
 * imports that script to get the class, which runs its top level again — and with it the pool's creation: a pool
 * per worker, each with workers of its own, without end (issue 17).
 *
 * While a worker loads its class module, that module's own `ProxyPool.create(Class, { module: <the same URL> })`
 * hands `Class` to the worker instead of creating anything, and returns a promise that never settles: the rest of
 * the script's top level (the part that uses the pool) does not run in the worker, and the worker carries on with
 * the class it was given. Code above the create() call does run in each worker, as any module's top level does.
 *
 * The slot lives on globalThis because the runtime and the script may hold different copies of the library: the
 * thread runtime is a bundle of its own, the script imports the package.
 */
type AnyClass = new (...args: any[]) => object;

interface Loading {
  module: string;
  take(Class: AnyClass): void;
}

const SLOT = Symbol.for('objectproxypool.loading-class-module');
type Holder = { [SLOT]?: Loading };

/**
 * Runs `load` (the import of `module`) while listening for the module's own create(); resolves to whichever
 * comes first: the module's exports, or `{ Class }` handed over by create().
 */
export async function loadWatchingSelfImport<T>(module: string, load: () => Promise<T>): Promise<T | { selfImported: AnyClass }> {
  const holder = globalThis as Holder;
  let take!: (Class: AnyClass) => void;
  const taken = new Promise<{ selfImported: AnyClass }>((resolve) => {
    take = (Class) => resolve({ selfImported: Class });
  });
  holder[SLOT] = { module, take };
  try {
    return await Promise.race([load(), taken]);
  } finally {
    holder[SLOT] = undefined;
  }
}

/** create()'s check: true if this call is a worker's class module creating its own pool (the caller must not). */
export function handedToLoadingWorker(Class: AnyClass, module: string | URL | undefined): boolean {
  const loading = (globalThis as Holder)[SLOT];
  if (!loading || module === undefined) return false;
  if ((module instanceof URL ? module.href : String(module)) !== loading.module) return false;
  loading.take(Class);
  return true;
}
