/** SimService's ExecutionContext for `await using`: run/init/start on enter, finish/close on exit. */
import type { ServiceProxy } from './service-proxy.ts';
import type { SimService } from './sim-service.ts';

/** How many times init() and start() are called while they answer "call again" (false). */
const DEFAULT_ATTEMPTS = 100;

/** A service whose run/init/start are done; disposing it finishes the run and closes the service. */
export type ServiceContext<T extends SimService> = ServiceProxy<T> & AsyncDisposable;

/**
 * Runs `run()`, then `init()` and `start()` until they return true (at most `attempts` times each), and returns
 * the service ready to step. On exit (`await using`), calls `finish()` if the run is still started, then closes
 * the service — also when the block threw.
 *
 * @example
 * {
 *   await using walker = await serviceContext(await serviceRandomWalker());
 *   for (let i = 0; i < 100; i++) await walker.step();
 * } // finish() and close() here
 */
export async function serviceContext<T extends SimService>(service: ServiceProxy<T>, options: { attempts?: number } = {}): Promise<ServiceContext<T>> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const s = service as unknown as ServiceProxy<SimService>;
  try {
    await s.run();
    for (const stage of ['init', 'start'] as const) {
      let ready = false;
      for (let i = 0; i < attempts && !ready; i++) ready = await s[stage]();
      if (!ready) throw new Error(`${stage}() still returned false after ${attempts} attempts`);
    }
  } catch (error) {
    await service.close();
    throw error;
  }
  const dispose = async () => {
    try {
      if ((await s.getStatus()) === 'started') await s.finish();
    } finally {
      await service.close();
    }
  };
  return new Proxy(service as object, {
    get(target, property, receiver) {
      if (property === Symbol.asyncDispose) return dispose;
      return Reflect.get(target, property, receiver);
    },
  }) as ServiceContext<T>;
}
