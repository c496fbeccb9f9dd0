/**
 * The worker's side of host callbacks (`proxy(fn)` on the host, lib/pool/callbacks.ts): a callback arrives as a
 * handle `{ id }` and is revived as an async function that asks the host, over the uplink (topic "callback"), to run
 * the function with these arguments. Arguments and results go through the value codec like a call's.
 *
 * A callback belongs to the call it was passed to: once that call ends here the function refuses at once
 * (CallbackReleasedError), without a round trip; the host refuses too, for a call it has seen settle (a timeout).
 */
import { encodeArgs, registerHandleReviver, type Handle } from '../protocol/value-codec.ts';
import { registerErrorClass } from '../protocol/error-codec.ts';
import { currentDecodeScope } from './uplink.ts';

export const CALLBACK_TAG = 'objectproxypool.callback';
export const CALLBACK_TOPIC = 'callback';

/** A host callback (proxy()) called after the call it was passed to settled, or released by a closed pool. */
export class CallbackReleasedError extends Error {
  override name = 'CallbackReleasedError';
}
registerErrorClass(CallbackReleasedError);

export interface CallbackHandle extends Handle {
  id: number;
  /** The host function's name, for error messages. */
  name: string;
}

export function releasedMessage(name: string): string {
  return (
    `host callback ${name || '(anonymous)'} was called after the call it was passed to had settled; ` +
    'a proxy() callback lives as long as that call: pass it again to a new call, or await it before returning'
  );
}

registerHandleReviver(CALLBACK_TAG, (handle) => {
  const scope = currentDecodeScope();
  if (!scope) throw new TypeError('a proxy() callback can only be passed as an argument of a pool method call');
  const { id, name } = handle as CallbackHandle;
  const uplink = scope.uplink;
  let released = false;
  scope.onCallEnd.push(() => {
    released = true;
  });
  const callback = (...args: unknown[]): Promise<unknown> => {
    if (released) return Promise.reject(new CallbackReleasedError(releasedMessage(name)));
    let encoded: ReturnType<typeof encodeArgs>;
    try {
      encoded = encodeArgs(args);
    } catch (error) {
      return Promise.reject(error);
    }
    return uplink.request(CALLBACK_TOPIC, [id, encoded.args, encoded.found]);
  };
  Object.defineProperty(callback, 'name', { value: name });
  return callback;
});
