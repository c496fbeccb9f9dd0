/**
 * Pools created inside a worker belong to that worker: its runtime closes them before the worker ends (the outer
 * pool's close() or the instance's disposal), so no nested thread or process outlives the pool that made it.
 *
 * The owner is found through globals keyed by Symbol.for, not module state: the worker's runtime may be a
 * bundled copy of this library while the user's class imports another copy, and both must see the same owner.
 * A thread or process worker owns every pool created in its realm; an inline worker shares the host's realm, so
 * it owns the pools created while one of its calls runs synchronously (the current context) — a pool an inline
 * instance creates after an `await` is the host's, as it would be without this library.
 */
export interface PoolOwner {
  /** Takes `pool` into the owner's care; the returned function lets go of it (the pool closed by itself). */
  adopt(pool: { close(options?: { force?: boolean }): Promise<void> }): () => void;
}

const OWNER = Symbol.for('objectproxypool.poolOwner');
const REALM_OWNER = Symbol.for('objectproxypool.realmPoolOwner');
const CURRENT = Symbol.for('objectproxypool.currentContext');

type Holder = Record<symbol, unknown>;

/** Hidden context extras naming the context's pool owner (see makeContext). */
export function poolOwnerExtras(owner: PoolOwner): Record<symbol, unknown> {
  return { [OWNER]: owner };
}

/** A thread or process worker's runtime owns every pool of its realm. */
export function setRealmPoolOwner(owner: PoolOwner): void {
  (globalThis as Holder)[REALM_OWNER] = owner;
}

/** Who owns a pool created now: the worker whose call is running, the worker whose realm this is, or nobody. */
export function currentPoolOwner(): PoolOwner | undefined {
  const holder = globalThis as Holder;
  const context = holder[CURRENT] as Holder | undefined;
  return (context?.[OWNER] as PoolOwner | undefined) ?? (holder[REALM_OWNER] as PoolOwner | undefined);
}

/** The owner side kept by a worker's runtime: its pools, closed (forcibly: nobody waits for them) on dispose. */
export function newPoolOwner(onFirst: () => void): PoolOwner & { closeAll(): Promise<void> } {
  const owned = new Set<{ close(options?: { force?: boolean }): Promise<void> }>();
  let announced = false;
  return {
    adopt(pool) {
      if (!announced) {
        announced = true;
        onFirst();
      }
      owned.add(pool);
      return () => owned.delete(pool);
    },
    async closeAll() {
      const pools = [...owned];
      owned.clear();
      await Promise.allSettled(pools.map((pool) => pool.close({ force: true })));
    },
  };
}
