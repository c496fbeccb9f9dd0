/**
 * Node's built-in modules without a static `import 'node:…'`, so that the pool, the runtime and `expose()` load
 * unchanged in a browser (and in browser bundles, which cannot resolve `node:` specifiers). Node kinds ask for
 * their modules when they spawn a worker — never on the call path.
 */

type NodeProcess = { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };

const nodeProcess = (globalThis as { process?: NodeProcess }).process;

/** True when running on Node.js (also Deno and Bun in Node mode, which provide `process.versions.node`). */
export const isNode: boolean = typeof nodeProcess?.versions?.node === 'string';

/** A Node built-in (`'node:worker_threads'`, …), or a clear error where there is none. */
export function nodeBuiltin<T>(id: string): T {
  const mod = nodeProcess?.getBuiltinModule?.(id) as T | undefined;
  if (mod) return mod;
  throw new Error(
    isNode
      ? `objectproxypool needs Node.js >= 20.16 (process.getBuiltinModule) to load ${id}; this is Node ${nodeProcess!.versions!.node}`
      : `${id} is only available on Node.js; in a browser use kind 'web'`,
  );
}

/** The kind used when the pool's options name none: threads on Node, Web Workers in a browser. */
export function defaultKind(): 'thread' | 'web' {
  return !isNode && typeof (globalThis as { Worker?: unknown }).Worker === 'function' ? 'web' : 'thread';
}

/** The pool size used when the options give none: the machine's available parallelism. */
export function availableParallelism(): number {
  if (isNode) return nodeBuiltin<typeof import('node:os')>('node:os').availableParallelism();
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 4;
}

/** A module path or URL as an absolute URL: paths are files on Node and relative to the page in a browser. */
export function moduleUrlOf(path: string): string {
  if (isNode) {
    const { pathToFileURL } = nodeBuiltin<typeof import('node:url')>('node:url');
    const { resolve } = nodeBuiltin<typeof import('node:path')>('node:path');
    return pathToFileURL(resolve(path)).href;
  }
  const base = (globalThis as { location?: { href: string } }).location?.href;
  return new URL(path, base).href;
}

/**
 * URL of a module of this library next to `base`, in the same flavour (.ts under tsx, .js when built), for an
 * `import()` that browser bundlers must not follow: a computed specifier is left alone by esbuild, Vite and
 * webpack, so Node-only parts (the remote kind and its NATS client) stay out of browser bundles.
 */
export function nodeOnlyModule(relative: string, base: string): string {
  return new URL(`${relative}${base.endsWith('.ts') ? '.ts' : '.js'}`, base).href;
}
