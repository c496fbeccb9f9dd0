/** Entry of a `web` worker started by the pool (module form): serve the class named in the init message. */
import { serve } from './runtime.ts';
import { importClass } from './load-class.ts';
import { webEndpoint, webWorkerScope } from './web-endpoint.ts';

const scope = webWorkerScope();
if (!scope) throw new Error('the web worker entry must run in a module Web Worker started by a pool');
serve(webEndpoint(scope), importClass);
