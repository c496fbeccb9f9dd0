/**
 * What a worker loads the first time a message carries a handle: the modules whose revivers rebuild handles
 * (shared memory, collective groups, instance handles). The runtime owns this registry and knows none of those
 * modules: the worker's entry (its composition root: thread-entry, process-entry, web-entry) registers the loader.
 * Most pools never pass a handle, and loading these up front (ndarray alone) is ~40% of a worker's start-up.
 *
 * On globalThis, under a registered symbol, so that the bundled thread runtime (runtime/thread-entry.cjs) and the
 * package's own modules share it.
 */
const LOADERS = Symbol.for('objectproxypool.workerExtensions');
type Holder = { [LOADERS]?: Array<() => Promise<unknown>> };
const loaders: Array<() => Promise<unknown>> = ((globalThis as Holder)[LOADERS] ??= []);

/** Registers `load`, run once (with the others) the first time a message for this realm's workers carries a handle. */
export function addWorkerExtensions(load: () => Promise<unknown>): void {
  if (!loaders.includes(load)) loaders.push(load);
}

/** Runs every registered loader (the host callbacks' reviver is the runtime's own, always loaded with them). */
export async function loadWorkerExtensions(): Promise<void> {
  await Promise.all([import('./callbacks.ts'), ...loaders.map((load) => load())]);
}
