/**
 * The worker's "load" and "dispose" responsibilities: construct the user's instance from the Init message, say
 * which names the host's proxy may call, and dispose of it (and of the pools it created) at Close.
 */
import { Status, type InitPayload } from '../protocol/messages.ts';
import { decodeValue } from '../protocol/value-codec.ts';
import { attachContext, makeContext, withContext, type WorkerContext } from './context.ts';
import { methodNamesOf } from './introspect.ts';
import { uplinkExtras, type Uplink } from './uplink.ts';
import { findServiceFunction, serviceFunctionNames } from './service-functions.ts';
import { newPoolOwner, poolOwnerExtras, setRealmPoolOwner } from './pool-owner.ts';
import type { ClassSource, RuntimeEndpoint } from './worker-runtime.ts';
import type { Replies } from './replies.ts';

export class LoadedInstance {
  instance: Record<string, any> | undefined;
  context: WorkerContext | undefined;
  private callable = new Set<string>();
  /** Pool option `metrics`: answers carry when each task started and how long it ran. */
  timing = false;
  // Pools this worker creates: closed before it ends. The host hears of the first one, so that its close() asks
  // this worker to end (the Close handshake) instead of simply terminating a thread, whose child processes would
  // outlive it.
  private readonly pools = newPoolOwner(() => this.uplink.notify('pool.nested', []));

  constructor(
    private readonly endpoint: RuntimeEndpoint,
    private readonly classSource: ClassSource,
    private readonly uplink: Uplink,
    private readonly replies: Replies,
  ) {}

  /** Constructs the instance and answers Ready (its callable names) or the constructor's error. */
  async construct(payload: InitPayload, loadExtensions: () => Promise<void>): Promise<void> {
    this.timing = payload.timing === true;
    try {
      if (payload.argsHaveHandles) await loadExtensions();
      const Class = await this.classSource(payload);
      const context = makeContext(payload.context, { ...uplinkExtras(this.uplink), ...poolOwnerExtras(this.pools) });
      this.context = context;
      if (!this.endpoint.sharedRealm) setRealmPoolOwner(this.pools);
      const args = payload.argsHaveHandles ? (decodeValue(payload.args) as unknown[]) : payload.args;
      const created = withContext(context, () => new Class(...args)) as Record<string, any>;
      attachContext(created, context);
      this.instance = created;
      this.callable = new Set(methodNamesOf(created));
      // Whether close() must let the instance dispose itself: if not, a thread worker can simply be ended.
      const target = created as Partial<AsyncDisposable & Disposable>;
      const disposable = typeof target[Symbol.asyncDispose] === 'function' || typeof target[Symbol.dispose] === 'function';
      this.replies.send([0, Status.Ready, this.availableNames(), disposable]);
    } catch (error) {
      this.replies.fail(0, error);
    }
  }

  /** The instance's methods and the service functions exposed for it: what the host's proxy may call. */
  availableNames(): string[] {
    return [...new Set([...this.callable, ...serviceFunctionNames(this.context)])];
  }

  methodOf(name: string): (...args: unknown[]) => unknown {
    if (!this.callable.has(name)) {
      // Methods can be added to the instance after construction; look again before failing.
      const instance = this.instance;
      if (instance && typeof instance[name] === 'function' && methodNamesOf(instance).includes(name)) this.callable.add(name);
      else {
        const service = findServiceFunction(this.context, name);
        if (service) return service as (...args: unknown[]) => unknown;
        throw new TypeError(`${name} is neither a method nor an exposed service function of this instance; available: ${this.availableNames().join(', ') || '(none)'}`);
      }
    }
    return this.instance![name];
  }

  /** Closes the pools the instance created, then disposes of it; answers Closed or the error. */
  async dispose(id: number): Promise<void> {
    try {
      await this.pools.closeAll();
      const target = this.instance as Partial<AsyncDisposable & Disposable> | undefined;
      if (target && typeof target[Symbol.asyncDispose] === 'function') await target[Symbol.asyncDispose]!();
      else if (target && typeof target[Symbol.dispose] === 'function') target[Symbol.dispose]!();
      this.replies.send([id, Status.Closed]);
    } catch (error) {
      this.replies.fail(id, error);
    }
  }
}
