/** Entry of a `web` worker started by the pool (module form): serve the class named in the init message. */
import { WorkerRuntime } from './worker-runtime.ts';
import { addWorkerExtensions } from './worker-extensions.ts';
import { importClass } from './load-class.ts';
import { webEndpoint, webWorkerScope } from './web-endpoint.ts';

const scope = webWorkerScope();
if (!scope) throw new Error('the web worker entry must run in a module Web Worker started by a pool');
// This entry is the worker's composition root: it names the layers whose revivers a handle may need.
addWorkerExtensions(() => import('../revivers.ts'));
new WorkerRuntime(webEndpoint(scope), importClass);
