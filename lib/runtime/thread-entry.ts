/** Entry of a `thread` worker started by the pool: serve the class named in the init message over parentPort. */
import { parentPort } from 'node:worker_threads';
import { serve } from './runtime.ts';
import { importClass } from './load-class.ts';

const port = parentPort!;
serve(
  {
    post: (batch) => port.postMessage(batch),
    onMessage: (handler) => port.on('message', handler),
    close: () => port.close(),
  },
  importClass,
);
