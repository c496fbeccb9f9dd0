/**
 * Loading a Node worker's class module with `require()` where Node requires ES modules without a warning (20.19+,
 * 22.13+, 23.5+).
 *
 * A worker's first `import()` starts the asynchronous ES module pipeline — the loader, `fs/promises`, file reads on
 * libuv's thread pool, a microtask hop per module — 11.7 ms of a worker's start-up on Node 20 (2-CPU test machine,
 * the bench's model), against 5.7 ms for `require()` of the same `.mjs`; on Node 24 the two cost the same
 * (docs/design.md, "Worker start-up"). The module is the same either way: `require()` puts it in the loader's
 * cache, so a later `import()` of it (by the user or by us) gets the same namespace and evaluates nothing again.
 *
 * Used only where the result must equal `import()`'s, else `importClass` imports as before:
 * - ES modules only: a CommonJS module's namespace (with its `default`) is built by `import()`, which reuses the
 *   module `require()` already evaluated;
 * - `file:` URLs of `.js`/`.mjs` files that exist (a missing file keeps `import()`'s error message);
 * - no loader hooks (`--import`, `--loader`, `--require`, tsx): hooks may transform modules, and `require()` on
 *   Node 20 does not pass through hooks registered with `module.register()`;
 * - a module graph with top-level await (`ERR_REQUIRE_ASYNC_MODULE`, raised before anything is evaluated);
 * - a thread worker only while its host is not terminating it (`gate`, runtime/load-gate.ts: a termination inside
 *   this require() aborts the whole process on Node 20 and 22). Without a gate, no require().
 * - Node itself: Deno and Bun load through `import()` (Bun's require() refuses a graph with top-level await with its
 *   own TypeError, and the start-up figures above are Node's).
 */
import { nodeBuiltin } from '../platform/platform.ts';
import { enterLoad, leaveLoad, type LoadGate } from './load-gate.ts';

export type RequireModule = (moduleUrl: string) => Record<string, unknown> | undefined;

const hookFlag = /(^|\s)(--import|--loader|--experimental-loader|--require|-r)(=|\s|$)/;

/** Node 22.12 and 23.0–23.4 print an ExperimentalWarning on a worker's stderr at the first require() of an ES module. */
export function quietRequireEsm(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major === 22 ? minor >= 13 : major === 23 ? minor >= 5 : true;
}

/** What ends the worker: its host's terminate() (threads, behind a gate) or a signal (processes: nothing to guard). */
export type Ending = { gate: LoadGate } | 'signal';

/** A synchronous loader for the worker's class module, or undefined where only `import()` gives the same result. */
export function requireModuleLoader(hooksRegistered: boolean, ending: Ending | undefined): RequireModule | undefined {
  const proc = process as NodeJS.Process & { features: { require_module?: boolean } };
  if (proc.versions.bun !== undefined || proc.versions.deno !== undefined) return undefined;
  if (hooksRegistered || ending === undefined || !proc.features.require_module || !quietRequireEsm(proc.versions.node)) return undefined;
  if (hookFlag.test(proc.execArgv.join(' ')) || hookFlag.test(proc.env.NODE_OPTIONS ?? '')) return undefined;
  const { createRequire } = nodeBuiltin<typeof import('node:module')>('node:module');
  const { existsSync } = nodeBuiltin<typeof import('node:fs')>('node:fs');
  return (moduleUrl) => {
    if (!/^file:[^?#]*\.m?js$/.test(moduleUrl)) return undefined;
    // The file is required by its name from a require() rooted next to it: fs and createRequire take the URL as
    // it is, so node:url (~0.2 ms of a worker's start-up) is not loaded to turn it into a path.
    const file = new URL(moduleUrl);
    if (!existsSync(file)) return undefined;
    const name = decodeURIComponent(file.pathname.slice(file.pathname.lastIndexOf('/') + 1));
    const gate = ending === 'signal' ? undefined : ending.gate;
    if (gate && !enterLoad(gate)) return undefined; // being terminated: import() ends safely under a termination
    let loaded: unknown;
    try {
      loaded = createRequire(file)(`./${name}`);
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_REQUIRE_ASYNC_MODULE') return undefined;
      throw error;
    } finally {
      if (gate) leaveLoad(gate);
    }
    return Object.prototype.toString.call(loaded) === '[object Module]' ? (loaded as Record<string, unknown>) : undefined;
  };
}
