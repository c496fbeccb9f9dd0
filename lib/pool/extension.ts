/**
 * The one door through which layers built on the pool (collectives, services, partition, remote) reach it.
 *
 * Everything a layer may do is here, typed, and scoped to ONE pool: observe its workers (lost, ready), answer its
 * workers' own messages (up-topics), watch the requests sent to them, keep per-pool state, and call one worker's
 * instance. A layer gets the handle with `poolExtension(pool)` from a pool the user hands it; the core never
 * imports a layer. Before this, layers read the core through a symbol (`coreOf`), mutated its listener sets, and
 * registered their up-topics in a module-global table as an import side effect, so which layers answered a worker
 * depended on which modules happened to be loaded (docs/design.md, "The extension point").
 *
 * Value revivers (how a handle is rebuilt in a worker) are realm-wide by nature — a SharedArrayWrapper is the same
 * memory for every pool — so they stay a registry keyed by tag: `registerValueReviver` here, and the worker runtime
 * loads the modules that register them through its own registry (lib/runtime/worker-extensions.ts).
 */
import type { Request } from '../protocol/messages.ts';
import { registerHandleReviver, type Handle } from '../protocol/value-codec.ts';
import { ArgumentError } from '../protocol/errors.ts';

/** One message a worker sent under a topic, as a topic handler sees it. */
export interface UpMessage {
  /** The pool the worker belongs to. */
  readonly pool: PoolExtension;
  /** Which of its workers sent it. */
  readonly workerIndex: number;
  readonly payload: unknown;
  /**
   * Answers the worker (once; a no-op for notifications). `wire`: the value is already in wire form (as a worker
   * sent it, handles in place) and is passed on as is.
   */
  reply(ok: true, value?: unknown, wire?: { hasHandles: boolean }): void;
  reply(ok: false, error: unknown): void;
}

export type UpHandler = (message: UpMessage) => void;

/**
 * Hears how a request ends when the request concerns this layer (it carries the layer's handles): returns a
 * listener (called once, with the error or undefined), or undefined when the request is none of its business, or
 * throws to refuse the request, which then fails at once. Collectives use it to release the other participants
 * when one participant's call fails before its method started, which the worker itself can never report.
 */
export type RequestWatcher = (workerIndex: number, request: Request) => ((error: Error | undefined) => void) | undefined;

/** What a layer may observe and register on one pool. Every registration returns its own undo. */
export interface PoolExtension {
  /** The pool's id in this realm (instance handles name their pool by it). */
  readonly poolId: number;
  /** How many workers the pool has now. */
  readonly workerCount: number;
  /** 'open', 'closing' or 'closed'. */
  readonly state: 'open' | 'closing' | 'closed';
  /** Hear a worker of this pool going away (exit, termination, close), with the reason. */
  onWorkerLost(listener: (workerIndex: number, reason: Error) => void): () => void;
  /**
   * Hear a worker join the pool once its instance is constructed: a respawn or a resize (the pool's first workers
   * are all ready before create() resolves, so before anyone can listen).
   */
  onWorkerReady(listener: (workerIndex: number) => void): () => void;
  /** Answer this pool's workers' messages of `topic` (one handler per topic and pool; registering again replaces it). */
  handleUp(topic: string, handler: UpHandler): () => void;
  /** Watch the requests sent to this pool's workers (see RequestWatcher). */
  watchRequests(watcher: RequestWatcher): () => void;
  /** This pool's state for `key` (a layer's own symbol or object), made by `create` the first time. */
  local<T>(key: object | symbol, create: (pool: PoolExtension) => T): T;
  /** One call on worker `workerIndex`'s instance (instance handles: that instance, not any). */
  callOn(workerIndex: number, method: string, args: unknown[]): Promise<unknown>;
  /** Names that became callable after creation (service functions exposed in a worker). */
  addMethods(names: readonly string[]): void;
}

/** Symbol under which a pool proxy carries its extension handle (not in the public types of the proxy). */
export const POOL_EXTENSION: unique symbol = Symbol.for('objectproxypool.extension') as any;

/**
 * The extension handle of `pool` (a pool proxy, or anything carrying one under `pool`, such as a service proxy).
 * Throws an ArgumentError naming `what` for anything else.
 *
 * @example
 * const ext = poolExtension(pool, 'myLayer()');
 * ext.handleUp('my.topic', ({ payload, reply }) => reply(true, payload));
 */
export function poolExtension(pool: unknown, what = 'this function'): PoolExtension {
  const ext = extensionOf(pool) ?? extensionOf((pool as { pool?: unknown } | null)?.pool);
  if (!ext) throw new ArgumentError(`${what} expects a pool created by ProxyPool.create, got ${pool === null ? 'null' : typeof pool}`);
  return ext;
}

function extensionOf(value: unknown): PoolExtension | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  return (value as { [POOL_EXTENSION]?: PoolExtension })[POOL_EXTENSION];
}

// ----- pools of this realm -----

const EVERY = Symbol.for('objectproxypool.everyPool');
type Registry = { open: Map<number, WeakRef<PoolExtension>>; installers: Array<(pool: PoolExtension) => void> };
const registry: Registry = ((globalThis as { [EVERY]?: Registry })[EVERY] ??= { open: new Map(), installers: [] });

/**
 * Runs `install` on every pool of this realm: those open now and every one created later. For a layer whose
 * handles can be passed to ANY pool (an instance handle, made from one pool, is called from the workers of
 * another): the pool that must answer is not the one the user handed the layer.
 */
export function extendEveryPool(install: (pool: PoolExtension) => void): void {
  registry.installers.push(install);
  for (const ref of registry.open.values()) {
    const pool = ref.deref();
    if (pool && pool.state === 'open') install(pool);
  }
}

/** The open pool with this id in this realm, if any (weak: a pool dropped without close() stays collectable). */
export function poolExtensionById(id: number): PoolExtension | undefined {
  const pool = registry.open.get(id)?.deref();
  if (!pool || pool.state === 'closed') {
    registry.open.delete(id);
    return undefined;
  }
  return pool;
}

/** @internal The core announces a new pool: layers that extend every pool install themselves on it. */
export function announcePool(pool: PoolExtension): void {
  registry.open.set(pool.poolId, new WeakRef(pool));
  for (const install of registry.installers) install(pool);
}

/** @internal The core forgets a closed pool. */
export function forgetPool(pool: PoolExtension): void {
  registry.open.delete(pool.poolId);
}

/**
 * Rebuild handles tagged `tag` with `revive` when they arrive in a message (in a worker, or on the host in an
 * answer). Realm-wide: a tag means the same thing for every pool. A layer's module registers its revivers when it
 * loads; the worker runtime loads those modules in a worker the first time a message carries a handle.
 */
export function registerValueReviver(tag: string, revive: (handle: Handle) => unknown): void {
  registerHandleReviver(tag, revive);
}
