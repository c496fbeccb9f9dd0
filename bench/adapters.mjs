// One adapter per row of the benchmark: every library driven the way its README recommends, behind one shape:
//   call(method, arg)          one task on whichever worker the library picks     -> Promise<result>
//   callMany(method, args)     objectproxypool only: the same tasks as one map call -> Promise<result[]>
//   broadcast(method, arg)     the method once on every worker, gathered (null: the library can't)
//   everyWorker()              libraries without broadcast: one barrier task per worker, all held until every
//                              worker has taken one (S6's "every worker answered")
//   transfer(method, f64)      one task whose Float64Array argument is transferred (null: can't)
//   shared(n)                  a Float64Array of n elements in shared memory, as this library passes it
//   transferBoth(method, f64)  S4b: the argument moves to the worker and the worker's result moves back (null: not measured)
//   close()
// Worker files are plain .mjs so that no row pays for a TypeScript loader (see bench/README.md).
import { Worker } from 'node:worker_threads';

const here = (p) => new URL(p, import.meta.url);
const sharedF64 = (n) => new Float64Array(new SharedArrayBuffer(n * 8));
/** `workers` barrier tasks submitted at once through `run(task)`: they can only all finish on distinct workers. */
const barrierTasks = (workers, run) => {
  const task = { counter: new Int32Array(new SharedArrayBuffer(4)), n: workers };
  return Promise.all(Array.from({ length: workers }, () => run(task)));
};

/** Round-robin over a fixed list of endpoints: what a user of a non-pool library writes for "a pool". */
function roundRobin(list) {
  let i = 0;
  return () => list[i++ % list.length];
}

export const LIBRARIES = ['objectproxypool', 'objectproxypool-remote', 'piscina', 'workerpool', 'tinypool', 'comlink', 'postMessage', 'atomics'];
export const PEERS = ['piscina', 'workerpool', 'tinypool', 'comlink'];
export const REFERENCES = ['postMessage', 'atomics'];

export const adapters = {
  async objectproxypool({ workers, entry }) {
    const { ProxyPool, SharedArrayWrapper, transfer, range } = await import(entry);
    const { BenchModel } = await import('./workers/opp-model.mjs');
    const pool = await ProxyPool.create(BenchModel, { workers, module: here('./workers/opp-model.mjs') });
    return {
      call: (m, a) => pool[m].one(a),
      /** S7: `n` tasks read lazily from a range(), as an async iterable (objectproxypool's stream). */
      stream: (m, n, options = {}) => pool.with(options)[m].stream(range(n)),
      callMany: (m, args) => pool[m].map(args),
      broadcast: (m, a) => pool[m](a),
      transfer: (m, a) => pool[m].one(transfer(a, [a.buffer])),
      transferBoth: (m, a) => pool[m].one(transfer(a, [a.buffer])),
      shared: (n) => {
        const w = SharedArrayWrapper.zeros([n], 'float64');
        return { value: w, data: w.data };
      },
      close: () => pool.close(),
    };
  },

  /**
   * objectproxypool with kind 'remote': its own nats-server on loopback and one host process holding the
   * instances (S1–S3 only; see docs/remote.md). Measures the NATS round trip, on the same machine.
   */
  async 'objectproxypool-remote'({ workers, entry }) {
    const { spawn } = await import('node:child_process');
    const { createServer } = await import('node:net');
    const { ProxyPool } = await import(entry);
    const { BenchModel } = await import('./workers/opp-model.mjs');
    const port = await new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
    const started = (child, pattern, stream) => new Promise((resolve, reject) => {
      let out = '';
      child.once('exit', (code) => reject(new Error(`${child.spawnfile} exited with ${code}: ${out}`)));
      child.on('error', (e) => reject(new Error(`${e.message} (nats-server missing? apt-get install nats-server)`)));
      child[stream].on('data', (d) => { out += d; if (pattern.test(out)) resolve(); });
    });
    const nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    await started(nats, /Server is ready/, 'stderr');
    const servers = `nats://127.0.0.1:${port}`;
    const host = spawn(process.execPath, [here('./workers/opp-remote-host.mjs').pathname, entry, servers, String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await started(host, /ready/, 'stdout');
    const pool = await ProxyPool.create(BenchModel, { workers, kind: 'remote', remote: { servers } });
    const stop = (child) => new Promise((resolve) => { if (child.exitCode !== null) return resolve(); child.once('exit', resolve); child.kill('SIGTERM'); });
    return {
      call: (m, a) => pool[m].one(a),
      callMany: (m, args) => pool[m].map(args),
      broadcast: (m, a) => pool[m](a),
      transfer: null,
      shared: null,
      close: async () => {
        await pool.close();
        await stop(host);
        await stop(nats);
      },
    };
  },

  async piscina({ workers }) {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({ filename: here('./workers/task-worker.mjs').href, minThreads: workers, maxThreads: workers });
    return {
      call: (m, a) => pool.run(a, { name: m }),
      broadcast: null,
      everyWorker: () => barrierTasks(workers, (t) => pool.run(t, { name: 'barrier' })),
      transfer: (m, a) => pool.run(Piscina.move(a), { name: m }),
      shared: (n) => { const d = sharedF64(n); return { value: d, data: d }; },
      close: () => pool.destroy(),
    };
  },

  async tinypool({ workers }) {
    const { Tinypool } = await import('tinypool');
    const pool = new Tinypool({ filename: here('./workers/task-worker.mjs').href, minThreads: workers, maxThreads: workers });
    return {
      call: (m, a) => pool.run(a, { name: m }),
      broadcast: null,
      everyWorker: () => barrierTasks(workers, (t) => pool.run(t, { name: 'barrier' })),
      transfer: (m, a) => pool.run(a, { name: m, transferList: [a.buffer] }),
      shared: (n) => { const d = sharedF64(n); return { value: d, data: d }; },
      close: () => pool.destroy(),
    };
  },

  async workerpool({ workers }) {
    const { default: workerpool } = await import('workerpool');
    const pool = workerpool.pool(here('./workers/workerpool-worker.mjs').pathname, {
      minWorkers: workers,
      maxWorkers: workers,
      workerType: 'thread',
    });
    return {
      call: (m, a) => pool.exec(m, [a]),
      broadcast: null,
      everyWorker: () => barrierTasks(workers, (t) => pool.exec('barrier', [t])),
      transfer: (m, a) => pool.exec(m, [a], { transfer: [a.buffer] }),
      shared: (n) => { const d = sharedF64(n); return { value: d, data: d }; },
      close: () => pool.terminate(),
    };
  },

  async comlink({ workers }) {
    const Comlink = await import('comlink');
    const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
    const threads = Array.from({ length: workers }, () => new Worker(here('./workers/comlink-worker.mjs')));
    const remotes = threads.map((w) => Comlink.wrap(nodeEndpoint(w)));
    const next = roundRobin(remotes);
    return {
      call: (m, a) => next()[m](a),
      broadcast: (m, a) => Promise.all(remotes.map((r) => r[m](a))),
      transfer: (m, a) => next()[m](Comlink.transfer(a, [a.buffer])),
      shared: (n) => { const d = sharedF64(n); return { value: d, data: d }; },
      close: async () => {
        for (const r of remotes) r[Comlink.releaseProxy]();
        await Promise.all(threads.map((w) => w.terminate()));
      },
    };
  },

  /** Reference: bare postMessage echo, ids matched by hand, round robin. */
  async postMessage({ workers }) {
    const threads = Array.from({ length: workers }, () => new Worker(here('./workers/raw-worker.mjs')));
    const pending = new Map();
    let id = 0;
    for (const w of threads) w.on('message', (m) => { const r = pending.get(m[0]); pending.delete(m[0]); r(m[1]); });
    const post = (w, m, a, transferList) =>
      new Promise((resolve) => {
        const k = ++id;
        pending.set(k, resolve);
        w.postMessage([k, m, a], transferList);
      });
    const next = roundRobin(threads);
    return {
      call: (m, a) => post(next(), m, a),
      broadcast: (m, a) => Promise.all(threads.map((w) => post(w, m, a))),
      transfer: (m, a) => post(next(), m, a, [a.buffer]),
      transferBoth: (m, a) => post(next(), m, a, [a.buffer]),
      shared: (n) => { const d = sharedF64(n); return { value: d, data: d }; },
      close: () => Promise.all(threads.map((w) => w.terminate())),
    };
  },

  /** Reference: SharedArrayBuffer + Atomics.wait/notify ping-pong; the main thread blocks while it waits. */
  async atomics({ workers }) {
    const OPS = { noop: 0, inc: 1, readOne: 2, sum: 3, pause: -2 };
    const slots = Array.from({ length: workers }, () => {
      const ctl = new SharedArrayBuffer(16);
      const res = new SharedArrayBuffer(8);
      const worker = new Worker(here('./workers/atomics-worker.mjs'), { workerData: { ctl, res } });
      return { worker, ctl: new Int32Array(ctl), res: new Float64Array(res), seq: 0 };
    });
    const ask = (slot, msg) => new Promise((resolve) => { slot.worker.once('message', resolve); slot.worker.postMessage(msg); });
    await Promise.all(slots.map((s) => ask(s, { start: true })));
    const pause = () => { for (const s of slots) { post(s, 'pause', 0); wait(s); } };
    const post = (s, op, arg) => {
      s.ctl[2] = OPS[op];
      s.ctl[3] = typeof arg === 'number' ? arg | 0 : 0;
      Atomics.store(s.ctl, 0, ++s.seq);
      Atomics.notify(s.ctl, 0);
    };
    const wait = (s) => {
      while (Atomics.load(s.ctl, 1) !== s.seq) Atomics.wait(s.ctl, 1, s.seq - 1);
      return s.res[0];
    };
    const next = roundRobin(slots);
    let registered;
    return {
      sync: true,
      call: (m, a) => {
        if (!(m in OPS)) return null;
        const s = next();
        post(s, m, a);
        return wait(s);
      },
      broadcast: (m, a) => {
        for (const s of slots) post(s, m, a);
        return slots.map(wait);
      },
      transfer: null,
      shared: (n) => { const d = sharedF64(n); return { value: d, data: d }; },
      /** The shared array reaches the workers once, at set-up (not timed); calls then only signal. */
      prepareShared: async (d) => {
        if (registered === d) return;
        registered = d;
        pause();
        await Promise.all(slots.map((s) => ask(s, { data: d })));
      },
      close: () => Promise.all(slots.map((s) => s.worker.terminate())),
    };
  },
};
