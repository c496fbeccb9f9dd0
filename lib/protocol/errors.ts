/** The pool's own error classes. Remote errors keep their own class; these describe what happened around them. */
import { registerErrorClass } from './error-codec.ts';

/** Where a remote error came from. Read it with `remoteInfo(error)`. */
export interface RemoteInfo {
  workerIndex: number;
  method: string;
  /** The stack as it was inside the worker. */
  remoteStack?: string;
}

const REMOTE = Symbol.for('objectproxypool.remote');

export function tagRemote(error: Error, info: RemoteInfo): Error {
  Object.defineProperty(error, REMOTE, { value: info, enumerable: false, configurable: true });
  const header = `    at <objectproxypool worker ${info.workerIndex}, method ${info.method}>`;
  const local = new Error().stack?.split('\n').slice(3).join('\n') ?? '';
  const stack = `${info.remoteStack ?? `${error.name}: ${error.message}`}\n${header}${local ? `\n${local}` : ''}`;
  Object.defineProperty(error, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
  return error;
}

/** Which worker and method a rejected call's error came from, or undefined for errors not raised in a worker. */
export function remoteInfo(error: unknown): RemoteInfo | undefined {
  return error && typeof error === 'object' ? (error as Record<symbol, RemoteInfo>)[REMOTE] : undefined;
}

export class PoolClosedError extends Error {
  override name = 'PoolClosedError';
  constructor(what: string) {
    super(`${what}: the pool is closed`);
  }
}

/** A worker ended (exit, crash, termination) while calls on it were in flight, or before a call could reach it. */
export class WorkerExitedError extends Error {
  override name = 'WorkerExitedError';
  constructor(
    readonly workerIndex: number,
    readonly method: string | undefined,
    readonly exitCode: number | undefined,
    cause?: unknown,
  ) {
    super(
      `worker ${workerIndex} ${exitCode === undefined && isCancellation(cause) ? 'was terminated' : 'exited'}` +
        `${exitCode !== undefined ? ` with code ${exitCode}` : ''}` +
        (method ? ` while running ${method}` : '') +
        (cause instanceof Error ? `: ${cause.message}` : cause !== undefined ? `: ${String(cause)}` : ''),
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The pool's `capacity` of calls in flight is reached and the call asked not to wait (`backpressure: 'reject'`). */
export class BacklogFullError extends Error {
  override name = 'BacklogFullError';
  constructor(readonly method: string, readonly capacity: number) {
    super(`cannot start ${method}: the pool already has ${capacity} calls in flight (its capacity) and backpressure is 'reject'`);
  }
}

function isCancellation(cause: unknown): boolean {
  return cause instanceof TimeoutError || (cause instanceof Error && cause.name === 'AbortError');
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(readonly method: string, readonly timeout: number) {
    super(`${method} did not finish within ${timeout} ms`);
  }
}

/** The call's arguments do not fit the call: wrong task count, mismatched lengths, non-iterable, non-cloneable. */
export class ArgumentError extends TypeError {
  override name = 'ArgumentError';
}

export class UnknownMethodError extends TypeError {
  override name = 'UnknownMethodError';
  constructor(readonly method: string, readonly available: readonly string[]) {
    super(`the pool's class has no method "${method}"; available: ${available.join(', ') || '(none)'}`);
  }
}

for (const cls of [PoolClosedError, WorkerExitedError, TimeoutError, BacklogFullError, ArgumentError, UnknownMethodError]) registerErrorClass(cls);
