/**
 * The worker's way of talking to the host first (Status.Up): collectives, progress, service functions and
 * instance handles all ride on it. Messages carry a topic; the host routes each topic to the layer that
 * registered it on that pool (lib/pool/extension.ts), so the runtime knows nothing of collectives or services.
 *
 * A value revived from a handle while a call's arguments are decoded can ask to hear when that call ends
 * (`onCallEnd`): a collective participant reports "done" or "failed" to the host that way, which is how the host
 * releases the other participants instead of letting them wait forever.
 */
import { withGlobal, type WorkerContext } from './context.ts';

export interface Uplink {
  /** Sends `payload` under `topic` and resolves to the host's answer (rejects with the host's error). */
  request(topic: string, payload: unknown): Promise<unknown>;
  /** Sends `payload` under `topic`; no answer. */
  notify(topic: string, payload: unknown): void;
}

/** What a reviver sees while the arguments of one call are decoded. */
export interface DecodeScope {
  readonly uplink: Uplink;
  readonly context: WorkerContext;
  /** Hooks run once when the call ends: with its error, or with no argument when it succeeded. */
  readonly onCallEnd: Array<(error?: unknown) => void>;
}

const SCOPE = Symbol.for('objectproxypool.decodeScope');
const UPLINK = Symbol.for('objectproxypool.uplink');
type Holder = { [SCOPE]?: DecodeScope };

/** Runs `fn` (a decode) with `scope` current; revivers read it with `currentDecodeScope()`. */
export function withDecodeScope<R>(scope: DecodeScope, fn: () => R): R {
  return withGlobal(SCOPE, scope, fn);
}

/** The scope of the call whose arguments are being decoded right now, if any. */
export function currentDecodeScope(): DecodeScope | undefined {
  return (globalThis as Holder)[SCOPE];
}

/** The hidden extras of an instance context carrying its uplink (see makeContext). */
export function uplinkExtras(uplink: Uplink): Record<symbol, unknown> {
  return { [UPLINK]: uplink };
}

/** The uplink of the worker an instance context belongs to; undefined outside pool workers. */
export function uplinkOf(context: WorkerContext | undefined): Uplink | undefined {
  return context ? (context as unknown as Record<symbol, Uplink>)[UPLINK] : undefined;
}
