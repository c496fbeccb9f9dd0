/**
 * Type tests of the package's entries (issue 20): never run, only compiled by `tsc --noEmit` (npm run typecheck,
 * part of npm test). For each entry, `keyof typeof entry` pins its run-time exports exactly, a few assignments and
 * `Expect<Equal<...>>` check the types users rely on, and `@ts-expect-error` lines check what an entry must NOT
 * export. The full name count, type exports included, is spec/entries.spec.ts.
 */
import * as root from '../../lib/index.ts';
import * as worker from '../../lib/worker.ts';
import * as shared from '../../lib/entries/shared.ts';
import * as types from '../../lib/entries/types.ts';
import * as remote from '../../lib/remote/index.ts';
import * as flows from '../../lib/flows/index.ts';
import * as server from '../../lib/server/index.ts';
import * as jobs from '../../lib/jobs/index.ts';
import * as services from '../../lib/services/index.ts';
import * as collectives from '../../lib/collectives/index.ts';
import * as partition from '../../lib/partition/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

class Model {
  times(x: number): number {
    return x * 2;
  }
  label = 'model';
}
class Steps extends jobs.JobWorker {
  step(n: number): number {
    return n + 1;
  }
}

// objectproxypool: the pool and what most programs need, no layer.
type _root = Expect<Equal<keyof typeof root,
  | 'ArgumentError' | 'BacklogFullError' | 'CallbackReleasedError' | 'CapturedVariableError' | 'CheckpointError' | 'PoolClosedError'
  | 'ProxyPool' | 'Rng' | 'SharedArrayWrapper' | 'SharedCounter' | 'SharedLock' | 'TimeoutError' | 'TransferError'
  | 'UnknownMethodError' | 'WorkerExitedError' | 'inWorker' | 'progressBar' | 'proxy' | 'range' | 'registerErrorClass'
  | 'remoteInfo' | 'repeat' | 'taskContext' | 'transfer' | 'workerContext'>>;
export const options: root.PoolOptions = { workers: 2, kind: 'thread' satisfies root.KindName };
export async function rootChecks(pool: root.PoolProxy<Model>) {
  const doubled = await pool.times.map(root.range(3));
  type _1 = Expect<Equal<typeof doubled, number[]>>;
  const context: root.WorkerContext = root.workerContext();
  const wrapper = root.SharedArrayWrapper.zeros([2], 'float64');
  type _2 = Expect<Equal<ReturnType<typeof wrapper.array.get>, number>>;
  return context;
}
// @ts-expect-error the job pool lives in objectproxypool/jobs
import { JobPool as _NoJobPool } from '../../lib/index.ts';
// @ts-expect-error flows live in objectproxypool/flows
import { sequential as _NoSequential } from '../../lib/index.ts';
// @ts-expect-error atomics live in objectproxypool/shared
import { atomicAdd as _NoAtomicAdd } from '../../lib/index.ts';
// @ts-expect-error the proxy's type algebra lives in objectproxypool/types
import type { MethodNames as _NoMethodNames } from '../../lib/index.ts';

// objectproxypool/worker: expose and per-task streams, plus the root's worker-side names (the same bindings).
type _worker = Expect<Equal<keyof typeof worker,
  | 'CallbackReleasedError' | 'TaskRng' | 'TransferError' | 'expose' | 'inWorker' | 'philox4x32' | 'taskContext' | 'taskSeed'
  | 'transfer' | 'workerContext'>>;
type _worker1 = Expect<Equal<typeof worker.workerContext, typeof root.workerContext>>;
type _worker2 = Expect<Equal<typeof worker.transfer, typeof root.transfer>>;
export function workerChecks() {
  worker.expose(Model);
  worker.expose({ Model });
  const draw: number = new worker.TaskRng(1, 2, 3).random();
  return draw;
}
// @ts-expect-error SimService lives in objectproxypool/services (the worker entry loads no layer)
import { SimService as _NoSimService } from '../../lib/worker.ts';

// objectproxypool/shared: dtypes, atomics, cross-process memory, handles.
type _shared = Expect<Equal<keyof typeof shared,
  | 'DTYPES' | 'LEASE_MS' | 'LockTimeoutError' | 'ProcessSharedMemoryUnavailableError' | 'SHARED_ARRAY_TAG' | 'SHARED_COUNTER_TAG'
  | 'SHARED_LOCK_TAG' | 'SharedMemoryAcrossProcessesError' | 'SharedMemoryUnavailableError' | 'atomicAdd' | 'atomicLoad'
  | 'atomicStore' | 'atomicUpdate' | 'bytesPerElement' | 'dtypeOf' | 'explainProcessCloneError' | 'isDType' | 'isSharedBuffer'
  | 'processSharedMemoryAvailable' | 'registerHandleReviver' | 'segmentName' | 'toHandle'>>;
export const dtype: shared.DType = 'int32';
// @ts-expect-error not a dtype
export const notDtype: shared.DType = 'float128';
export const added: number = shared.atomicAdd(root.SharedArrayWrapper.zeros([1], 'int32'), 0, 1);
type _shared1 = Expect<Equal<shared.ElementOf<'bigint64'>, bigint>>;

// objectproxypool/types: types only.
type _types = Expect<Equal<keyof typeof types, never>>;
type _types1 = Expect<Equal<types.MethodNames<Model>, 'times'>>;
type _types2 = Expect<Equal<types.FieldNames<Model>, 'label'>>;
export function statsOf(pool: types.PoolApi<Model>): types.PoolStats {
  return pool.stats();
}

// objectproxypool/remote: the worker host and the remote kind's errors.
type _remote = Expect<Equal<keyof typeof remote, 'NotEnoughHostsError' | 'PayloadTooLargeError' | 'RemoteConnectionError' | 'serveHost'>>;
type _remote1 = Expect<Equal<ReturnType<typeof remote.serveHost>, Promise<remote.Host>>>;
type _remote2 = Expect<Equal<NonNullable<root.PoolOptions['remote']>, remote.RemotePoolOptions>>;

// objectproxypool/flows
type _flows = Expect<Equal<keyof typeof flows,
  | 'PoolStage' | 'WorkerStage' | 'ensemble' | 'functionStage' | 'makeWorker' | 'passThrough' | 'poolStage' | 'sequential'
  | 'switchFlow' | 'toFlow' | 'workerStage'>>;
const lengths = flows.functionStage((s: string) => s.length);
type _flows1 = Expect<Equal<typeof lengths, flows.Flow<string, number>>>;

// objectproxypool/server
type _server = Expect<Equal<keyof typeof server, 'Server' | 'ServerBacklogFullError' | 'ServerStoppedError'>>;
export async function serverChecks() {
  const running = await server.Server.start(lengths, { capacity: 2 });
  const length = await running.call('four');
  type _1 = Expect<Equal<typeof length, number>>;
  // @ts-expect-error the flow takes strings
  await running.call(4);
}

// objectproxypool/jobs
type _jobs = Expect<Equal<keyof typeof jobs,
  'DependencyCycleError' | 'Job' | 'JobCancelledError' | 'JobPool' | 'JobWorker' | 'WorkflowError' | 'consoleListener' | 'poolCache'>>;
export async function jobChecks() {
  const pool = await jobs.JobPool.create(Steps);
  type _1 = Expect<Equal<typeof pool, jobs.JobPool<Steps>>>;
  type _2 = Expect<Equal<jobs.JobMethodNames<Steps>, 'step'>>;
}

// objectproxypool/services
type _services = Expect<Equal<keyof typeof services,
  | 'InstanceHandle' | 'SimService' | 'closeService' | 'createService' | 'exposeFunction' | 'insideRun' | 'instanceHandle'
  | 'registerService' | 'registeredServices' | 'serviceContext' | 'serviceFactory' | 'serviceFunction' | 'serviceProxy'
  | 'unregisterService' | 'withServices'>>;
export function serviceChecks(service: services.ServiceProxy<Model>) {
  const doubled = service.times(2);
  type _1 = Expect<Equal<typeof doubled, Promise<number>>>;
}

// objectproxypool/collectives
type _collectives = Expect<Equal<keyof typeof collectives,
  'CollectiveAbortedError' | 'CollectiveGroup' | 'Communicator' | 'SHARED_RWLOCK_TAG' | 'SharedRWLock' | 'collective' | 'soloCommunicator'>>;
type _collectives1 = Expect<Equal<ReturnType<typeof collectives.collective>, collectives.CollectiveGroup>>;

// objectproxypool/partition
type _partition = Expect<Equal<keyof typeof partition,
  | 'PartitionPool' | 'PartitionProcess' | 'chooseWorkerCount' | 'closeDefaultPartitionPool' | 'concurrent' | 'defaultPartitionPool'
  | 'partition' | 'partitionRange' | 'partitionRanges' | 'sliceForWorker'>>;
type _partition1 = Expect<Equal<partition.PartitionArgs<(proc: partition.PartitionProcess, n: number, s: string) => void>, [n: number, s: string]>>;
type _partition2 = Expect<Equal<ReturnType<typeof partition.partitionRange>, [start: number, end: number]>>;
