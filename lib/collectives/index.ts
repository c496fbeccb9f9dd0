/** Collectives inside a pool call: rank/size, barrier, bcast, gather, allgather, exchange, single write. */
export { collective, CollectiveGroup } from './group.ts';
export { Communicator, soloCommunicator, type CollectiveKind } from './comm.ts';
export { CollectiveAbortedError } from './errors.ts';
export { SharedRWLock, SHARED_RWLOCK_TAG } from './rwlock.ts';
