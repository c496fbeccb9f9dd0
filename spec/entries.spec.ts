/**
 * The package's entries (package.json "exports"): the root holds at most 40 names, types included; every name the
 * root exported before issue 20 (198) is exported by exactly one entry; `objectproxypool/worker` adds only its own
 * names to the root's worker-side ones, as the same bindings; and the entries' files are the ones "exports" names.
 * Names are counted by the TypeScript checker on lib/, so type-only exports count as they do for a user.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const T = { timeout: 60_000 };
const root = resolve(import.meta.dirname, '..');

/** Subpath → source file, read off package.json: "./x" → dist/a/b.js → lib/a/b.ts. */
const exportsMap = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<string, string | { types: string; default: string }>;
const entries = Object.fromEntries(
  Object.entries(exportsMap)
    .filter((pair): pair is [string, { types: string; default: string }] => typeof pair[1] === 'object')
    .map(([subpath, target]) => [subpath, target.default.replace(/^\.\/dist\//, 'lib/').replace(/\.js$/, '.ts')]),
);

const ROOT_LIMIT = 40;
/** The names that objectproxypool/worker alone exports; its other names are the root's. */
const WORKER_OWN = ['TaskRng', 'expose', 'philox4x32', 'taskSeed'];
/** Every name lib/index.ts exported before the entries were split (issue 20): none may be lost. */
const BEFORE = `Across AnyClass AnyFunction AnyTypedArray ArgumentError AtomicTarget BacklogFullError CallOptions CallResult
CallbackReleasedError CapturedVariableError CheckpointError CheckpointProblem CloseOptions CollectiveAbortedError CollectiveGroup
CollectiveKind Communicator ConsoleListenerOptions DTYPES DType DTypeArrayMap DTypeOf DependencyCycleError ElementOf
EnsembleOptions ErrorClass FieldNames Flow FlowDescription FreePartitionOptions FunctionRef Handle Host HostArgs HostCallback
HostOptions InstanceHandle InstanceRef Job JobArgs JobCancelledError JobEvent JobListener JobMethodNames JobNode JobOutcome
JobPool JobPoolOptions JobResult JobStatus JobWorker KindName LEASE_MS LockOptions LockTimeoutError MapArgs Member MethodNames
NdDataMap NestedArray NotEnoughHostsError PartitionArgs PartitionFunction PartitionOptions PartitionPool PartitionProcess
PayloadTooLargeError PoolApi PoolClosedError PoolInfo PoolMetrics PoolOptions PoolProxy PoolStage PoolStats PoolStatus
ProcessSharedMemoryUnavailableError Progress ProgressBarLike ProxyPool RemoteConnection RemoteConnectionError RemoteFields
RemoteInfo RemoteMethod RemoteMethods RemotePoolOptions RemoteTlsOptions Repeat ReservedName Rng RunContext SHARED_ARRAY_TAG
SHARED_COUNTER_TAG SHARED_LOCK_TAG SHARED_RWLOCK_TAG Server ServerBacklogFullError ServerCallOptions ServerDebugInfo
ServerOptions ServerStoppedError ServiceApi ServiceContext ServiceFactory ServiceFunction ServiceMethods ServiceOptions
ServiceProxy ServiceStatus ShapeLike Shareable SharedArrayWrapper SharedCounter SharedLock SharedMemoryAcrossProcessesError
SharedMemoryOptions SharedMemoryUnavailableError SharedRWLock SimService StandsFor StreamArgs StreamItem StreamOptions
SubmitOptions TaskContext TaskRng TimeSummary TimeoutError TransferError UnknownMethodError WorkerContext WorkerExitEvent
WorkerExitedError WorkerStage WorkerStageOptions WorkflowError atomicAdd atomicLoad atomicStore atomicUpdate bytesPerElement
chooseWorkerCount closeDefaultPartitionPool closeService collective concurrent consoleListener createService
defaultPartitionPool dtypeOf ensemble explainProcessCloneError exposeFunction functionStage inWorker insideRun instanceHandle
isDType isSharedBuffer makeWorker partition partitionRange partitionRanges passThrough philox4x32 poolCache poolStage
processSharedMemoryAvailable progressBar proxy range registerErrorClass registerHandleReviver registerService
registeredServices remoteInfo repeat segmentName sequential serveHost serviceContext serviceFactory serviceFunction
serviceProxy sliceForWorker soloCommunicator switchFlow taskContext taskSeed toFlow toHandle transfer unregisterService
withServices workerContext workerStage`.split(/\s+/);

function exportedNames(): Record<string, string[]> {
  const files = Object.values(entries).map((f) => join(root, f));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  return Object.fromEntries(
    Object.entries(entries).map(([subpath, file]) => {
      const source = program.getSourceFile(join(root, file));
      assert.ok(source, `${subpath}: ${file} exists`);
      const symbol = checker.getSymbolAtLocation(source);
      return [subpath, symbol ? checker.getExportsOfModule(symbol).map((s) => s.name).sort() : []];
    }),
  );
}

describe('package entries', () => {
  const names = exportedNames();

  it(`the root entry exports at most ${ROOT_LIMIT} names, types included, and none from a layer`, T, () => {
    assert.ok(names['.']!.length <= ROOT_LIMIT, `root exports ${names['.']!.length}: ${names['.']!.join(' ')}`);
    assert.equal(BEFORE.length, 198);
    for (const layerName of ['JobPool', 'Server', 'sequential', 'SimService', 'collective', 'PartitionPool', 'serveHost']) {
      assert.ok(!names['.']!.includes(layerName), `${layerName} is not in the root entry`);
    }
  });

  it('package.json exports the root, /worker and one subpath per layer, each with types and default', T, () => {
    assert.deepEqual(Object.keys(entries).sort(), ['.', './collectives', './flows', './jobs', './partition', './remote', './server', './services', './shared', './types', './worker']);
  });

  it('every name the root exported before is exported by exactly one entry (/worker re-exports aside)', T, () => {
    const homes = new Map<string, string[]>();
    for (const [subpath, list] of Object.entries(names)) {
      for (const name of list) {
        if (subpath === './worker' && !WORKER_OWN.includes(name)) continue;
        homes.set(name, [...(homes.get(name) ?? []), subpath]);
      }
    }
    const lost = BEFORE.filter((name) => !homes.has(name));
    assert.deepEqual(lost, [], 'names no entry exports any more');
    // StreamItem: the root's is the pool's (a task's result in pool.stream), the server's is a different type that
    // the root's `export *` used to shadow; each entry has its own.
    const twice = [...homes].filter(([name, where]) => where.length > 1 && !(name === 'StreamItem' && where.join() === '.,./server'));
    assert.deepEqual(twice, [], 'names exported by more than one entry');
  });

  it("/worker's other names are the root's own bindings, and it loads no layer", T, async () => {
    for (const name of names['./worker']!) {
      if (!WORKER_OWN.includes(name)) assert.ok(names['.']!.includes(name), `/worker's ${name} is a root name`);
    }
    const rootModule = (await import('../.test-build/lib/index.js')) as Record<string, unknown>;
    const workerModule = (await import('../.test-build/lib/worker.js')) as Record<string, unknown>;
    for (const [name, value] of Object.entries(workerModule)) {
      if (!WORKER_OWN.includes(name)) assert.equal(value, rootModule[name], `${name} is the same binding`);
    }
    const workerSource = readFileSync(join(root, 'lib/worker.ts'), 'utf8');
    assert.doesNotMatch(workerSource, /from '\.\/(flows|jobs|server|services|collectives|partition)\//);
  });
});
