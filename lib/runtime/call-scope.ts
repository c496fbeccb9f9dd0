/**
 * A call whose arguments carried handles is decoded in a scope through which revived values hear when the call
 * ends (uplink.ts, `onCallEnd`): a collective participant reports "done" or "failed" to the host that way.
 */
import { decodeValue } from '../protocol/value-codec.ts';
import { withDecodeScope, type DecodeScope, type Uplink } from './uplink.ts';
import type { WorkerContext } from './context.ts';
import { isThenable } from './replies.ts';

/** Decodes a request's handles with a scope through which revived values can hear when the call ends. */
export function decodeScoped(uplink: Uplink, context: WorkerContext, values: unknown[]): { scope: DecodeScope; decoded: unknown[] } {
  const scope: DecodeScope = { uplink, context, onCallEnd: [] };
  const decoded = withDecodeScope(scope, () => decodeValue(values) as unknown[]);
  return { scope, decoded };
}

/** Runs the scope's end hooks once: with the call's error, or none when it succeeded. */
export function endCall(scope: DecodeScope | undefined, error?: unknown): void {
  if (!scope || scope.onCallEnd.length === 0) return;
  for (const hook of scope.onCallEnd.splice(0)) {
    try {
      if (error === undefined) hook();
      else hook(error);
    } catch {
      // A hook only reports to the host; it must not change the call's outcome.
    }
  }
}

/** `result`, with the scope ended once it settles (at once if it is no promise). */
export function endCallWhenSettled(scope: DecodeScope | undefined, result: unknown): unknown {
  if (!scope || scope.onCallEnd.length === 0) return result;
  if (!isThenable(result)) {
    endCall(scope);
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      endCall(scope);
      return value;
    },
    (error) => {
      endCall(scope, error ?? new Error('rejected'));
      throw error;
    },
  );
}
