/**
 * The browser spec's page: each scenario runs the core semantics through kind 'web' (module Web Workers) and
 * returns plain data, which spec/browser.spec.ts asserts in Node. Bundled by esbuild with workers.worker.ts as a
 * second entry point (the factory form); `module` runs the same class through the module form (web-entry.js).
 */
import {
  ArgumentError,
  ProxyPool,
  SharedArrayWrapper,
  WorkerExitedError,
  range,
  remoteInfo,
  repeat,
  proxy,
  transfer,
  type PoolOptions,
} from '../../lib/index.ts';
import { SharedMemoryUnavailableError, atomicLoad } from '../../lib/entries/shared.ts';
import { TransferModel } from '../fixtures/transfer-model.ts';
import { Counter, CustomError } from '../fixtures/counter.ts';
import { SharedModel } from '../fixtures/shared-model.ts';
import { Crasher } from './crasher.ts';

const worker = () => new Worker(new URL('./workers.js', import.meta.url), { type: 'module' });
const counterPool = (options: PoolOptions<ConstructorParameters<typeof Counter>> = {}) =>
  ProxyPool.create(Counter, { workers: 3, worker, ...options });

/** What an error looks like, as data that survives page.evaluate. */
function described(error: unknown) {
  const e = error as Error & Record<string, unknown>;
  return {
    name: e?.name,
    message: e?.message,
    constructorName: e?.constructor?.name,
    ownProps: Object.fromEntries(Object.entries(e ?? {}).filter(([k]) => k !== 'stack')),
  };
}

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const scenarios = {
  /** transfer() both ways and a host callback, on web workers (issue 21). */
  async transfer() {
    await using pool = await ProxyPool.create(TransferModel, { workers: 1, worker });
    const values = new Float64Array(1000).map((_, i) => i);
    const sum = await pool.sum.one(transfer(values, [values.buffer]));
    const made = await pool.makeBuffer.one(1 << 20, 7);
    const back = (await pool.sumAndReturn.one(transfer(new Float64Array([1, 2, 3.5]), []))) as { sum: number; values: Float64Array };
    const bad = await rejection((async () => pool.sum.one(transfer(values, [values.buffer])))());
    return {
      sum,
      senderDetached: values.buffer.byteLength === 0,
      madeLength: made.byteLength,
      madeByte: made[12345],
      workerCopyLength: await pool.lastBufferLength.one(),
      back: { sum: back.sum, values: [...back.values] },
      bad: described(bad),
      callback: await pool.callHost.one(proxy((x: number) => ({ twice: x * 2 })), 21),
    };
  },

  async broadcast() {
    await using pool = await counterPool({ seed: 7 });
    await using again = await counterPool({ seed: 7 });
    return {
      isolated: globalThis.crossOriginIsolated,
      kind: pool.info.kind,
      workers: pool.info.size,
      alive: pool.info.alive,
      whoami: await pool.whoami(),
      calls: await pool.fields.get('calls'),
      seeds: await pool.fields.get('seed'),
      sameSeeds: await again.fields.get('seed'),
      add: await pool.add(2, 3),
      delayed: await pool.delayed(9, 5),
      one: await pool.add.one(20, 22),
      labels: await (await using_(counterPool({ args: (i) => [`worker-${i}`] }), (p) => p.fields.get('label'))),
    };
  },

  async map() {
    await using pool = await counterPool();
    const progress: number[] = [];
    const sums = await pool.with({ onProgress: (p) => progress.push(p.done) }).add.map(range(100), repeat(1000));
    const generated = await pool.add.map((function* () { for (let i = 0; i < 5; i++) yield i * i; })(), [10, 20, 30]);
    const settled = await pool.with({ settle: 'all' }).failIf.map(range(5), repeat(3));
    const owners = await pool.with({ chunkSize: 1 }).sleepSync.map([20, 20, 20, 20, 20, 20, 20, 20, 20]);
    return {
      sums,
      generated,
      progress,
      settled: settled.map((s) => (s.status === 'fulfilled' ? s.value : `${(s.reason as Error).name}: ${(s.reason as Error).message}`)),
      distinctOwners: new Set(owners).size,
    };
  },

  async synchronize() {
    await using pool = await counterPool({ workers: 4 });
    const sync = pool.with({ synchronize: true });
    const rounds: number[][] = [];
    for (let r = 0; r < 5; r++) rounds.push([...(await sync.methods.sleepSync.map([0, 0, 0, 1]))].sort());
    await sync.setProperty.map(range(4));
    const owners = await sync.sleepSync.map([30, 0, 30, 0, 30, 0, 30, 0, 30, 0, 30, 0]);
    return { rounds, properties: [...(await pool.fields.get('property'))].sort(), owners };
  },

  async dedicated() {
    await using pool = await counterPool({ workers: 4, dedicated: true });
    await pool.setProperty.map(range(4));
    const broadcast = await pool.addAndGetProperty(1, 1);
    const mapped = await pool.addAndGetProperty.map(range(4), range(4));
    const wrongCount = described(await rejection(pool.add.map(range(3), range(3))));
    const stillSlotOrder = await pool.addAndGetProperty.map(range(4), repeat(0));
    return { broadcast, mapped, wrongCount, stillSlotOrder, argumentError: ArgumentError.name };
  },

  async errors() {
    await using pool = await counterPool({ errorClasses: [CustomError] });
    const custom = await rejection(pool.fail.one('custom', 'it broke'));
    const range_ = await rejection(pool.fail('range', 'out of range'));
    const withCause = (await rejection(pool.fail.one('cause', 'outer'))) as Error;
    const info = remoteInfo(custom as Error);
    const ctorFails = await rejection(counterPool({ args: (i) => ['x', i === 1 ? 1 : -1] }));
    const unknown = await rejection(Promise.resolve().then(() => (pool as any).noSuchMethod()));
    const missingScript = await rejection(
      ProxyPool.create(Counter, { workers: 1, worker: () => new Worker(new URL('./no-such.worker.js', import.meta.url), { type: 'module' }) }),
    );
    await using crashing = await ProxyPool.create(Crasher, { workers: 2, worker });
    const crash = await rejection(crashing.crashSoon.one());
    return {
      custom: { ...described(custom), isCustom: custom instanceof CustomError },
      range: { ...described(range_), isRangeError: range_ instanceof RangeError },
      cause: { message: withCause.message, cause: described(withCause.cause) },
      remote: { workerIndex: info?.workerIndex, method: info?.method, stackMentionsFail: /fail/.test(info?.remoteStack ?? '') },
      afterwards: await pool.whoami(),
      ctorFails: described(ctorFails),
      unknown: described(unknown),
      crash: { ...described(crash), isExited: crash instanceof WorkerExitedError },
      crashedPoolStillAnswers: await crashing.ping.one(),
      missingScript: described(missingScript),
    };
  },

  /** Respawn after a crash, and a stuck worker ended by a timeout with onCancel 'terminate'. */
  async reliability() {
    const exits: Array<{ workerIndex: number; reason: string; respawned: boolean }> = [];
    await using crashing = await ProxyPool.create(Crasher, {
      workers: 2,
      worker,
      respawn: true,
      onWorkerExit: (e) => exits.push({ workerIndex: e.workerIndex, reason: e.reason, respawned: e.respawned }),
    });
    const crash = described(await rejection(crashing.crashSoon.one()));
    const afterCrash = await crashing.ping();
    await using pool = await counterPool({ workers: 2, respawn: true });
    const started = performance.now();
    const timeout = described(await rejection(pool.with({ timeout: 200, onCancel: 'terminate' }).sleepSync.one(60_000)));
    const timedOutAfterMs = performance.now() - started;
    const afterTimeout = await pool.whoami();
    return { crash, afterCrash, exits, respawns: crashing.info.respawns, timeout, timedOutAfterMs, afterTimeout, poolRespawns: pool.info.respawns };
  },

  async shared() {
    await using pool = await ProxyPool.create(SharedModel, { workers: 3, worker });
    const grid = SharedArrayWrapper.zeros([6, 2], 'float64');
    const rows = await pool.writeSlice.map(repeat(grid), range(3), repeat(3));
    const seen = await pool.inspect(grid);
    const acc = SharedArrayWrapper.zeros(1, 'float64');
    await pool.addMany.map(repeat(acc), repeat(0), [1000, 1000, 1000, 1000, 1000, 1000], repeat(0.5));
    const made = (await pool.makeArray(4, 2.5)) as SharedArrayWrapper<'float64'>[];
    return {
      isolated: globalThis.crossOriginIsolated,
      rows,
      grid: Array.from(grid.data),
      seen,
      acc: atomicLoad(acc, 0),
      madeShapes: made.map((w) => [...w.shape]),
      madeData: Array.from(made[0]!.data),
      madeIsShared: made.every((w) => Object.prototype.toString.call(w.buffer) === '[object SharedArrayBuffer]'),
    };
  },

  /** The module form: no worker script of ours, the pool's web-entry imports the class's module by URL. */
  async module() {
    await using pool = await ProxyPool.create(Counter, { workers: 2, kind: 'web', module: new URL('./counter-module.js', import.meta.url) });
    const badModule = described(await rejection(ProxyPool.create(Counter, { workers: 1, module: new URL('./missing.js', import.meta.url) })));
    return { kind: pool.info.kind, whoami: await pool.whoami(), sums: await pool.add.map(range(6), repeat(1)), badModule };
  },

  /** Run on a page served without COOP/COEP. */
  async notIsolated() {
    await using pool = await counterPool({ workers: 2 });
    const whoami = await pool.whoami();
    const zeros = await rejection(Promise.resolve().then(() => SharedArrayWrapper.zeros([2, 2])));
    return {
      isolated: globalThis.crossOriginIsolated,
      sharedArrayBufferExists: typeof SharedArrayBuffer === 'function',
      whoami,
      zeros: { ...described(zeros), isUnavailable: zeros instanceof SharedMemoryUnavailableError },
    };
  },
};

/** `await using` on a pool created inline, then one call: keeps scenario bodies short. */
async function using_<P extends { close(): Promise<void> }, R>(created: Promise<P>, use: (pool: P) => Promise<R>): Promise<R> {
  const pool = await created;
  try {
    return await use(pool);
  } finally {
    await pool.close();
  }
}

Object.assign(globalThis, { scenarios });
