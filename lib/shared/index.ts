/**
 * Shared memory for pools: zero-copy arrays, atomic helpers and locks.
 *
 * Importing this module registers the handle revivers (a side effect), so that wrappers, locks and counters
 * arriving in a message are rebuilt around the same memory, and makes serializing a SharedArrayBuffer for
 * another process fail with {@link SharedMemoryAcrossProcessesError}. The pool runtime imports it in every
 * worker; nothing else needs to.
 */
import { registerHandleReviver } from '../protocol/value-codec.ts';
import { SHARED_ARRAY_TAG, SharedArrayWrapper } from './shared-array.ts';
import { SHARED_COUNTER_TAG, SHARED_LOCK_TAG, SharedCounter, SharedLock } from './locks.ts';

registerHandleReviver(SHARED_ARRAY_TAG, SharedArrayWrapper.fromHandle);
registerHandleReviver(SHARED_LOCK_TAG, SharedLock.fromHandle);
registerHandleReviver(SHARED_COUNTER_TAG, SharedCounter.fromHandle);

export { SharedArrayWrapper, SHARED_ARRAY_TAG, type NestedArray } from './shared-array.ts';
export {
  atomicAdd,
  atomicLoad,
  atomicStore,
  atomicUpdate,
  type AtomicTarget,
} from './atomics.ts';
export { SharedLock, SharedCounter, SHARED_LOCK_TAG, SHARED_COUNTER_TAG, LockTimeoutError, type LockOptions } from './locks.ts';
export {
  LEASE_MS,
  ProcessSharedMemoryUnavailableError,
  SharedMemoryAcrossProcessesError,
  explainProcessCloneError,
  processSharedMemoryAvailable,
  segmentName,
  type Across,
  type SharedMemoryOptions,
} from './process-memory.ts';
export {
  DTYPES,
  SharedMemoryUnavailableError,
  bytesPerElement,
  dtypeOf,
  isDType,
  isSharedBuffer,
  type AnyTypedArray,
  type DType,
  type DTypeArrayMap,
  type DTypeOf,
  type ElementOf,
  type NdDataMap,
  type ShapeLike,
} from './dtypes.ts';
