/** The worker's side of instance handles: what a worker receives for one (see handles.ts). */
import { toHandle, encodeArgs, type Handle } from '../protocol/value-codec.ts';
import { registerValueReviver } from '../pool/extension.ts';
import { currentDecodeScope, type Uplink } from '../runtime/uplink.ts';
import type { AnyFunction, MethodNames } from '../pool/types.ts';

export const INSTANCE_TAG = 'objectproxypool.Instance';

export interface InstanceHandleData extends Handle {
  pool: number;
  worker: number;
  /** The realm (host) whose pool `pool` is: pool ids are per realm, so a pool nested in a worker may reuse one. */
  host: string;
}

/** What a worker receives for an instance handle: the instance's methods (and service functions) as async calls. */
export type InstanceRef<T> = { readonly [K in MethodNames<T>]: T[K] extends AnyFunction ? (...args: Parameters<T[K]>) => Promise<Awaited<ReturnType<T[K]>>> : never } & {
  /** Calls any method or service function by name. */
  call(name: string, ...args: unknown[]): Promise<unknown>;
};

function instanceRef(data: InstanceHandleData, uplink: Uplink): object {
  const call = async (name: string, ...args: unknown[]) => {
    const encoded = encodeArgs(args);
    return uplink.request('instance.call', [data.pool, data.worker, name, encoded.args, encoded.found, data.host]);
  };
  const own: Record<string | symbol, unknown> = { call, [toHandle]: () => ({ ...data }) };
  return new Proxy(own, {
    get(target, property) {
      if (Object.hasOwn(target, property)) return target[property];
      if (typeof property === 'symbol' || property === 'then') return undefined;
      return (...args: unknown[]) => call(property, ...args);
    },
  });
}

registerValueReviver(INSTANCE_TAG, (handle) => {
  const scope = currentDecodeScope();
  if (!scope) throw new Error('an instance handle can only be used inside a pool worker (pass it as an argument of a pool call)');
  return instanceRef(handle as InstanceHandleData, scope.uplink);
});

