/** Entry of a `process` worker: serve the class named in the init message over the IPC channel. */
import { WorkerRuntime } from './worker-runtime.ts';
import { addWorkerExtensions } from './worker-extensions.ts';
import { importClass } from './load-class.ts';
import { requireModuleLoader } from './require-module.ts';
import { explainProcessCloneError } from '../shared/process-memory.ts';
import { encodeError } from '../protocol/error-codec.ts';
import { Status } from '../protocol/messages.ts';

if (!process.send) throw new Error('the process worker entry must be started with an IPC channel (child_process.fork)');

const requireModule = requireModuleLoader(false, 'signal');
// This entry is the worker's composition root: it names the layers whose revivers a handle may need.
addWorkerExtensions(() => import('../revivers.ts'));

new WorkerRuntime(
  {
    post: (batch) => {
      // After close (or the host's end) the channel is gone: a late notice (a collective's "done") is moot, and
      // sending it would crash this process with ERR_IPC_CHANNEL_CLOSED.
      if (!process.connected) return;
      try {
        process.send!(batch);
      } catch (error) {
        throw explainProcessCloneError(error);
      }
    },
    onMessage: (handler) => {
      process.on('message', handler as (batch: unknown) => void);
    },
    close: () => {
      process.disconnect();
    },
    arrivesInTicks: true,
  },
  (init) => importClass(init, requireModule),
);

// What kills this process reaches the host's WorkerExitedError.cause (issue 17), as a thread's does: the error is
// sent before the exit (Status.Up 'fatal'), then the process ends as Node would (message on stderr, code 1).
let dying = false;
const fatal = (error: unknown) => {
  if (dying) return;
  dying = true;
  console.error(error);
  const exit = () => process.exit(1);
  try {
    if (process.connected) process.send!([-2147483648, Status.Up, 'fatal', encodeError(error), false], undefined, {}, exit);
    else exit();
  } catch {
    exit();
  }
  setTimeout(exit, 1000).unref();
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
