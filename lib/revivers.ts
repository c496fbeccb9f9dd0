/**
 * Everything a worker needs once a message carries a handle, loaded together on the first one (see the runtime's
 * loadShared): shared memory, collective groups, instance handles. Importing registers their revivers.
 */
import './shared/index.ts';
import './collectives/comm.ts';
import './collectives/rwlock.ts';
import './services/instance-ref.ts';
import './runtime/callbacks.ts';
