/**
 * Everything a worker needs once a message carries a handle, loaded together on the first one: shared memory,
 * collective groups, instance handles. Importing registers their revivers. The worker entries register this module's
 * import with the runtime (runtime/worker-extensions.ts); the runtime itself imports no layer.
 */
import './shared/index.ts';
import './collectives/comm.ts';
import './collectives/rwlock.ts';
import './services/instance-ref.ts';
import './runtime/callbacks.ts';
