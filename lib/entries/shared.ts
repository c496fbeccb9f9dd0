/**
 * `objectproxypool/shared`: shared memory beyond the root's SharedArrayWrapper, SharedLock and SharedCounter —
 * dtypes, atomics, memory shared across processes, lock options, and handles for your own shareable objects.
 * @module
 */
export {
  DTYPES,
  LEASE_MS,
  LockTimeoutError,
  ProcessSharedMemoryUnavailableError,
  SHARED_ARRAY_TAG,
  SHARED_COUNTER_TAG,
  SHARED_LOCK_TAG,
  SharedMemoryAcrossProcessesError,
  SharedMemoryUnavailableError,
  atomicAdd,
  atomicLoad,
  atomicStore,
  atomicUpdate,
  bytesPerElement,
  dtypeOf,
  explainProcessCloneError,
  isDType,
  isSharedBuffer,
  processSharedMemoryAvailable,
  segmentName,
  type Across,
  type AnyTypedArray,
  type AtomicTarget,
  type DType,
  type DTypeArrayMap,
  type DTypeOf,
  type ElementOf,
  type LockOptions,
  type NdDataMap,
  type NestedArray,
  type ShapeLike,
  type SharedMemoryOptions,
} from '../shared/index.ts';
export { toHandle, registerHandleReviver, type Handle, type Shareable } from '../protocol/value-codec.ts';
