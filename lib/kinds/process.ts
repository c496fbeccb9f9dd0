/**
 * Kind `process`: one child process per instance (child_process.fork with advanced serialization, so values
 * clone as they do between threads). Isolation is total — a crash, an exit or memory exhaustion takes down only
 * that instance — at the price of a slower start and IPC instead of in-memory messaging.
 */
import type { Transferable } from '../protocol/transfer.ts';
import type { ChildProcess } from 'node:child_process';
import type { Request, Response } from '../protocol/messages.ts';
import type { ExitInfo, SpawnSpec, WorkerChannel, WorkerKind } from './worker-kind.ts';
import { runtimeEntryUrl, tsxImportUrl, workerExecArgv } from './bootstrap.ts';
import { explainProcessCloneError } from '../shared/process-memory.ts';
import { nodeBuiltin } from '../platform/platform.ts';
import { warnCopiedOnce } from '../protocol/transfer.ts';

export const processKind: WorkerKind = {
  name: 'process',
  spawn(spec: SpawnSpec): WorkerChannel {
    if (spec.factory) throw new TypeError('the worker factory option is for thread and web workers; kind "process" loads the module itself');
    const entry = runtimeEntryUrl('process-entry');
    const needsTsx = /\.[cm]?tsx?$/.test(entry) || /\.[cm]?tsx?$/.test(spec.module ?? '');
    const execArgv = workerExecArgv(needsTsx);
    if (needsTsx && !execArgv.some((arg) => arg.includes('tsx'))) execArgv.push('--import', tsxImportUrl());
    if (spec.resourceLimits?.maxOldGenerationSizeMb) execArgv.push(`--max-old-space-size=${spec.resourceLimits.maxOldGenerationSizeMb}`);
    if (spec.execArgv) execArgv.push(...spec.execArgv);
    // Node modules fetched at spawn time, not imported: this file is loaded in browsers too.
    const { fork } = nodeBuiltin<typeof import('node:child_process')>('node:child_process');
    const { fileURLToPath } = nodeBuiltin<typeof import('node:url')>('node:url');
    const child = fork(fileURLToPath(entry), spec.argv ?? [], { execArgv, serialization: 'advanced', stdio: 'inherit', ...(spec.env ? { env: spec.env } : {}) });
    return channelOf(child);
  },
};

/** How long after a child's exit its IPC channel may take to drain before the exit is reported anyway. */
const CLOSE_AFTER_EXIT_MS = 1000;

function channelOf(child: ChildProcess): WorkerChannel {
  let exitHandler: ((info: ExitInfo) => void) | undefined;
  let lastError: unknown;
  let terminating = false;
  const exited = new Promise<void>((resolve) => {
    // 'close', not 'exit': it comes once the IPC channel is drained, so the child's last message (a fatal error,
    // sent just before it exits) is read before its exit is reported. Between the two, nothing of the child may
    // hold the event loop (an unref'd channel): a timer does, and reports the exit itself if 'close' is late.
    let done = false;
    const report = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearTimeout(late);
      resolve();
      if (!terminating) {
        exitHandler?.({ code: code ?? undefined, error: signal ? new Error(`killed by ${signal}`) : lastError });
      }
    };
    let late: ReturnType<typeof setTimeout> | undefined;
    child.once('exit', (code, signal) => {
      late = setTimeout(() => report(code, signal), CLOSE_AFTER_EXIT_MS);
    });
    child.once('close', report);
  });
  child.on('error', (error) => {
    lastError = error;
  });
  return {
    post: (batch: Request[], transfer?: Transferable[]) => {
      // A disconnected child is about to exit; its exit fails whatever is pending.
      if (!child.connected) return;
      if (transfer) warnCopiedOnce('process', transfer);
      try {
        child.send(batch);
      } catch (error) {
        throw explainProcessCloneError(error); // a SharedArrayBuffer: say why, and what to use instead
      }
    },
    onMessage: (handler) => child.on('message', handler as (batch: Response[]) => void),
    onExit: (handler) => {
      exitHandler = handler;
    },
    terminate: async () => {
      terminating = true;
      // Keep the event loop alive until the exit is seen: the exit is reported on 'close', which waits for the IPC
      // channel to drain after the process is gone, so the channel must hold the loop too (an unref'd one let a
      // script's loop end with close() still pending, under load).
      child.ref();
      child.channel?.ref?.();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    setKeepAlive: (on) => {
      if (terminating) return; // terminate() holds a ref until the exit is seen
      if (on) {
        child.ref();
        child.channel?.ref?.(); // Bun's IPC channel has no ref/unref
      } else {
        child.unref();
        child.channel?.unref?.();
      }
    },
  };
}
