/**
 * The one interface every worker kind implements. The pool never touches a Worker, a ChildProcess or a port
 * directly: it posts batches, receives batches and hears about exits. A new kind is one file implementing `spawn`.
 */
import type { Transferable } from '../protocol/transfer.ts';
import type { Request, Response } from '../protocol/messages.ts';

export interface ExitInfo {
  /** Exit code when the worker ended by itself (e.g. `process.exit(3)` inside a method). */
  code?: number;
  /** The uncaught error or the reason the worker ended, when there is one. */
  error?: unknown;
}

export interface WorkerChannel {
  /**
   * Sends one request or a batch. Throws synchronously (DataCloneError) when something in it cannot be cloned.
   * `transfer`: what moves rather than being copied (kinds that cannot move memory copy it and warn once).
   */
  post(message: Request | Request[], transfer?: Transferable[]): void;
  onMessage(handler: (message: Response | Response[]) => void): void;
  /** Called once, whenever the worker ends for any reason other than `terminate()`. */
  onExit(handler: (info: ExitInfo) => void): void;
  /** Ends the worker now; resolves once it is gone. */
  terminate(): Promise<void>;
  /** Keeps (true) or stops keeping (false) the host's event loop alive for this worker. */
  setKeepAlive(on: boolean): void;
}

export interface SpawnSpec {
  index: number;
  /** Module URL of the class, for kinds that load it themselves. */
  module?: string;
  /** The class itself, for kinds that run in this realm. */
  Class?: new (...args: any[]) => object;
  /** User-supplied worker factory (bundler form); the worker script calls `expose()`. */
  factory?: () => unknown;
  resourceLimits?: import('node:worker_threads').ResourceLimits;
  /** The worker's process.env, extra process.argv entries and Node flags (pool options env, argv, execArgv). */
  env?: Record<string, string>;
  argv?: string[];
  execArgv?: string[];
}

export interface WorkerKind {
  readonly name: string;
  /**
   * Ending a worker without the Close handshake loses nothing: no pipe to flush, no host to tell. close() then
   * skips the handshake for instances without a dispose method (one round trip less per worker).
   */
  readonly endsCleanly?: boolean;
  spawn(spec: SpawnSpec): WorkerChannel;
}
