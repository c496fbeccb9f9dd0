/** Entry of a `process` worker: serve the class named in the init message over the IPC channel. */
import { serve } from './runtime.ts';
import { importClass } from './load-class.ts';
import { requireModuleLoader } from './require-module.ts';
import { explainProcessCloneError } from '../shared/process-memory.ts';

if (!process.send) throw new Error('the process worker entry must be started with an IPC channel (child_process.fork)');

const requireModule = requireModuleLoader(false, 'signal');

serve(
  {
    post: (batch) => {
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
