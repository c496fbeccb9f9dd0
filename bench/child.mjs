// One (library, scenario) measurement in a fresh process: node bench/child.mjs <library> <scenario> '<json options>'
// Prints progress on stderr and one line `RESULT {...}` on stdout. Plain JavaScript: no loader in this process
// or its workers, so every library starts the same way (see bench/README.md).
import { performance } from 'node:perf_hooks';
import { adapters } from './adapters.mjs';
import { piHits } from './workers/kernels.mjs';

const [library, scenario, json = '{}'] = process.argv.slice(2);
const opts = JSON.parse(json);
const quick = !!opts.quick;
const WORKERS = opts.workers ?? 2;
const entry = opts.entry ?? new URL('../dist/index.js', import.meta.url).href;

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => { const s = sorted(xs); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const p95 = (xs) => { const s = sorted(xs); return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]; };
const stat = (xs, unit) => ({ median: median(xs), p95: p95(xs), n: xs.length, unit });
const na = (why) => ({ na: why });
const log = (...a) => process.stderr.write(`[${library} ${scenario}] ${a.join(' ')}\n`);
const create = (workers = WORKERS) => adapters[library]({ workers, entry });

async function timeEach(n, fn) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out[i] = performance.now() - t0;
  }
  return out;
}
const us = (xs) => xs.map((x) => x * 1000);

const scenarios = {
  /** S1: sequential round trips of a trivial method. */
  async S1() {
    const trips = quick ? 500 : 5000;
    const a = await create();
    for (let i = 0; i < (quick ? 100 : 500); i++) await a.call('noop', i);
    const t = await timeEach(trips, (i) => a.call('noop', i));
    await a.close();
    return { roundTrip: stat(us(t), 'µs') };
  },

  /** S2: many trivial calls issued individually and awaited together; objectproxypool also as one map call. */
  async S2() {
    if (library === 'atomics') return { individual: na('blocking ping-pong: calls cannot be in flight together') };
    const calls = quick ? 10_000 : 100_000;
    const reps = quick ? 2 : 3;
    const a = await create();
    const burst = async (n) => { const ps = new Array(n); for (let i = 0; i < n; i++) ps[i] = a.call('noop', i); await Promise.all(ps); };
    await burst(Math.min(calls, 10_000));
    const t = await timeEach(reps, () => burst(calls));
    const out = { individual: { ...stat(t, 'ms'), calls, ratePerSec: calls / (median(t) / 1000) } };
    if (a.callMany) {
      const xs = Array.from({ length: calls }, (_, i) => i);
      await a.callMany('noop', xs);
      const tm = await timeEach(reps + 2, () => a.callMany('noop', xs));
      out.map = { ...stat(tm, 'ms'), calls, ratePerSec: calls / (median(tm) / 1000) };
      // The seed's own figure: one map of 1,000 tiny tasks.
      const small = xs.slice(0, 1000);
      for (let i = 0; i < 50; i++) await a.callMany('noop', small);
      out.map1000 = stat(await timeEach(quick ? 100 : 500, () => a.callMany('noop', small)), 'ms');
    }
    await a.close();
    return out;
  },

  /** S3: a stateful method on every worker, gathered. */
  async S3() {
    const rounds = quick ? 200 : 2000;
    const a = await create();
    if (!a.broadcast) { await a.close(); return { round: na("can't: tasks cannot be addressed to a given worker") }; }
    for (let i = 0; i < (quick ? 50 : 200); i++) await a.broadcast('inc');
    const t = await timeEach(rounds, () => a.broadcast('inc'));
    const last = await a.broadcast('inc');
    await a.close();
    return { round: stat(us(t), 'µs'), lastCounts: last };
  },

  /** S4: a 64 MB Float64Array to a worker that reads one element, and one that sums it. */
  async S4() {
    const n = (64 * 1024 * 1024) / 8;
    const iters = quick ? 3 : 20;
    const a = await create();
    const out = {};
    const fresh = () => new Float64Array(n).fill(1);
    const check = (v, op) => { const want = op === 'sum' ? n : 1; if (v !== want) throw new Error(`${op} returned ${v}, expected ${want}`); };
    if (library !== 'atomics') {
      const arr = fresh();
      for (const op of ['readOne', 'sum']) {
        check(await a.call(op, arr), op);
        out[`clone_${op}`] = stat(await timeEach(iters, async () => check(await a.call(op, arr), op)), 'ms');
      }
    } else { out.clone_readOne = out.clone_sum = na('no message carries data'); }
    if (a.transfer) {
      for (const op of ['readOne', 'sum']) {
        const t = [];
        for (let i = 0; i < iters + 1; i++) {
          const arr = fresh();
          const t0 = performance.now();
          check(await a.transfer(op, arr), op);
          if (i > 0) t.push(performance.now() - t0);
        }
        out[`transfer_${op}`] = stat(t, 'ms');
      }
    } else { out.transfer_readOne = out.transfer_sum = na(library === 'objectproxypool' ? "can't: no transfer list in the API" : "can't"); }
    const sh = a.shared(n);
    sh.data.fill(1);
    await a.prepareShared?.(sh.data);
    for (const op of ['readOne', 'sum']) {
      const k = op === 'readOne' ? (quick ? 50 : 500) : iters;
      for (let i = 0; i < 3; i++) check(await a.call(op, sh.value), op);
      out[`shared_${op}`] = stat(await timeEach(k, async () => check(await a.call(op, sh.value), op)), 'ms');
    }
    await a.close();
    return out;
  },

  /**
   * S4b: a 64 MB Float64Array moved to a worker, summed, and moved back — next to the same with copies both ways
   * and to a shared array (summed in place, nothing to send back). The raw postMessage row is the reference.
   */
  async S4b() {
    if (library === 'atomics') return { transfer_sumReturn: na('no message carries data') };
    const n = (64 * 1024 * 1024) / 8;
    const iters = quick ? 3 : 20;
    const a = await create();
    if (!a.transferBoth) {
      await a.close();
      return { transfer_sumReturn: na('not measured: S4b compares objectproxypool with the raw postMessage transfer') };
    }
    const out = {};
    const checkBack = (r, arr) => {
      if (r.sum !== n || r.values.length !== n) throw new Error(`sumReturn returned ${r.sum} and ${r.values.length} values, expected ${n}`);
      if (arr && arr.length !== 0) throw new Error('the argument was not moved: its buffer is still attached');
    };
    const t = [];
    for (let i = 0; i < iters + 1; i++) {
      const arr = new Float64Array(n).fill(1);
      const t0 = performance.now();
      checkBack(await a.transferBoth('sumReturn', arr), arr);
      if (i > 0) t.push(performance.now() - t0);
    }
    out.transfer_sumReturn = stat(t, 'ms');
    const arr = new Float64Array(n).fill(1);
    checkBack(await a.call('sumEcho', arr));
    out.copy_sumReturn = stat(await timeEach(iters, async () => checkBack(await a.call('sumEcho', arr))), 'ms');
    const sh = a.shared(n);
    sh.data.fill(1);
    for (let i = 0; i < 3; i++) await a.call('sum', sh.value);
    out.shared_sum = stat(await timeEach(iters, async () => { if ((await a.call('sum', sh.value)) !== n) throw new Error('shared sum'); }), 'ms');
    await a.close();
    return out;
  },

  /** S5: Monte Carlo π over 40 tasks, against the single-thread time / workers measured here. */
  async S5() {
    if (library === 'atomics') return { run: na('not a task runner') };
    const total = quick ? 4e6 : 4e7;
    const tasks = 40;
    const per = total / tasks;
    const single = [];
    for (let r = 0; r < 2; r++) { const t0 = performance.now(); piHits(total, 12345); single.push(performance.now() - t0); }
    const a = await create();
    const args = Array.from({ length: tasks }, (_, i) => ({ samples: per, seed: i + 1 }));
    const once = async () => {
      const hits = a.callMany ? await a.callMany('pi', args) : await Promise.all(args.map((t) => a.call('pi', t)));
      return (4 * hits.reduce((s, h) => s + h, 0)) / total;
    };
    const pi = await once();
    const t = await timeEach(quick ? 2 : 8, once);
    await a.close();
    const ideal = Math.min(...single) / WORKERS;
    return { run: stat(t, 'ms'), single: stat(single, 'ms'), ideal, ofIdeal: ideal / median(t), pi };
  },

  /** S6: start-up (create → first result), close, and RSS per worker. */
  async S6() {
    if (library === 'atomics') return { startup: na('not measured') };
    // Load the library's modules first: start-up is about workers, not about this process importing code.
    const mods = { objectproxypool: [entry, './workers/opp-model.mjs'], piscina: ['piscina'], tinypool: ['tinypool'], workerpool: ['workerpool'], comlink: ['comlink', 'comlink/dist/esm/node-adapter.mjs'], postMessage: [] };
    for (const m of mods[library]) await import(m);
    const cycles = quick ? 3 : 20;
    const startup = [], startupAll = [], close = [];
    let rssPerWorkerMB;
    for (let c = 0; c < cycles; c++) {
      globalThis.gc?.();
      const rss0 = process.memoryUsage.rss();
      const t0 = performance.now();
      const a = await create();
      await a.call('noop', 1);
      startup.push(performance.now() - t0);
      if (a.broadcast || a.everyWorker) {
        await (a.broadcast ? a.broadcast('noop', 2) : a.everyWorker());
        startupAll.push(performance.now() - t0);
      }
      if (c === 0) {
        // Every worker up and answering before reading memory.
        await Promise.all(Array.from({ length: WORKERS * 8 }, (_, i) => a.call('noop', i)));
        await new Promise((r) => setTimeout(r, 100));
        rssPerWorkerMB = (process.memoryUsage.rss() - rss0) / WORKERS / 2 ** 20;
      }
      const t1 = performance.now();
      await a.close();
      close.push(performance.now() - t1);
    }
    const all = startupAll.length ? stat(startupAll, 'ms') : na("can't: no way to reach every worker");
    return { startup: stat(startup, 'ms'), startupAll: all, close: stat(close, 'ms'), rssPerWorkerMB };
  },

  /**
   * S7: 10^7 trivial tasks through a stream, read lazily from a range(): throughput against one map of 10^6
   * (whose input is an array, as in S2), the process's peak RSS (resourceUsage().maxRSS, workers' heaps included),
   * and the time to the first result of a fresh stream, unordered and ordered.
   */
  async S7() {
    const a = await create();
    if (!a.stream) { await a.close(); return { stream: na('no streaming API') }; }
    const n = quick ? 1_000_000 : 10_000_000;
    for await (const _ of a.stream('noop', 100_000)) void _; // warm-up
    const check = (count, sum) => {
      if (count !== n || sum !== (n * (n - 1)) / 2) throw new Error(`stream yielded ${count} values summing to ${sum}`);
    };
    let xs;
    // Rounds of (stream by batches, stream by values, five maps), each stream rated against the maps of its own
    // round: a 1-2 s stream and the 0.1 s maps around it see the same neighbours, and the median round is reported.
    const rounds = [];
    let peakRssMB = 0;
    for (let r = 0; r < (quick ? 1 : 3); r++) {
      // The consumer takes a batch at a time (batches()): one for-await step per batch, a plain loop over its values.
      let t0 = performance.now();
      let count = 0;
      let sum = 0;
      for await (const batch of a.stream('noop', n).batches()) for (const value of batch.values) { count++; sum += value; }
      const streamMs = performance.now() - t0;
      check(count, sum);
      // Before any map of 10^6 (whose input and result arrays are larger than the stream's window).
      if (r === 0) {
        peakRssMB = process.resourceUsage().maxRSS / 1024;
        xs = Array.from({ length: 1_000_000 }, (_, i) => i);
        await a.callMany('noop', xs); // warm-up
      }
      // The consumer takes each value with for await (a step costs ~60-80 ns here by itself, whatever it carries).
      t0 = performance.now();
      count = sum = 0;
      for await (const value of a.stream('noop', n)) { count++; sum += value; }
      const valuesMs = performance.now() - t0;
      check(count, sum);
      const mapMs = await timeEach(quick ? 2 : 5, () => a.callMany('noop', xs));
      const mapRate = 1_000_000 / (median(mapMs) / 1000);
      rounds.push({ streamMs, valuesMs, mapMs, ratio: n / (streamMs / 1000) / mapRate, valuesRatio: n / (valuesMs / 1000) / mapRate });
    }
    const mid = [...rounds].sort((x, y) => x.ratio - y.ratio)[rounds.length >> 1];
    const { streamMs, valuesMs, mapMs } = mid;
    const first = async (ordered) => timeEach(quick ? 10 : 30, async () => {
      const it = a.stream('noop', 1_000_000, { ordered })[Symbol.asyncIterator]();
      await it.next();
      await it.return();
    });
    const firstUnordered = await first(false);
    const firstOrdered = await first(true);
    await a.close();
    const streamRate = n / (streamMs / 1000);
    const valuesRate = n / (valuesMs / 1000);
    const mapRate = 1_000_000 / (median(mapMs) / 1000);
    log(`ratios by round ${rounds.map((x) => x.ratio.toFixed(2)).join(', ')}; median round: stream ${n} by batches in ${streamMs.toFixed(0)} ms (${(streamRate / 1e6).toFixed(2)} M/s), by values in ${valuesMs.toFixed(0)} ms (${(valuesRate / 1e6).toFixed(2)} M/s); map 10^6 median ${median(mapMs).toFixed(0)} ms (${(mapRate / 1e6).toFixed(2)} M/s); peak RSS ${peakRssMB.toFixed(0)} MB`);
    return {
      stream: { ...stat([streamMs], 'ms'), calls: n, ratePerSec: streamRate },
      streamValues: { ...stat([valuesMs], 'ms'), calls: n, ratePerSec: valuesRate },
      map: { ...stat(mapMs, 'ms'), calls: 1_000_000, ratePerSec: mapRate },
      throughputRatio: stat(rounds.map((x) => x.ratio), '×'),
      valuesRatio: stat(rounds.map((x) => x.valuesRatio), '×'),
      peakRssMB: stat([peakRssMB], 'MB'),
      firstUnordered: stat(firstUnordered, 'ms'),
      firstOrdered: stat(firstOrdered, 'ms'),
    };
  },

  /** Growth: latency of one call versus the size of its Float64Array argument (structured clone). */
  async G1() {
    if (library === 'atomics') return { na: 'no message carries data' };
    const sizes = quick ? [8, 65536, 8 * 2 ** 20] : [8, 1024, 65536, 2 ** 20, 8 * 2 ** 20, 64 * 2 ** 20];
    const a = await create();
    const points = [];
    for (const bytes of sizes) {
      const arr = new Float64Array(bytes / 8).fill(1);
      const k = Math.max(quick ? 3 : 10, Math.min(quick ? 100 : 1000, Math.floor((2 ** 24) / bytes)));
      for (let i = 0; i < Math.min(k, 20); i++) await a.call('size', arr);
      const t = await timeEach(k, () => a.call('size', arr));
      points.push({ bytes, ...stat(us(t), 'µs') });
    }
    await a.close();
    return { payload: points };
  },

  /** Growth: broadcast round latency versus the number of workers. */
  async G2() {
    const counts = quick ? [1, 2, 4] : [1, 2, 4, 8];
    const points = [];
    for (const w of counts) {
      const a = await create(w);
      if (!a.broadcast) { await a.close(); return { na: "can't broadcast" }; }
      for (let i = 0; i < 50; i++) await a.broadcast('inc');
      const t = await timeEach(quick ? 100 : 1000, () => a.broadcast('inc'));
      await a.close();
      points.push({ workers: w, ...stat(us(t), 'µs') });
    }
    return { broadcast: points };
  },
};

// The remote row measures calls over NATS (S1–S3); shared memory, transfer and start-up scenarios do not apply.
if (library === 'objectproxypool-remote' && !['S1', 'S2', 'S3'].includes(scenario)) {
  console.log(`RESULT ${JSON.stringify({ library, scenario, seconds: 0, metrics: { na: 'remote: S1–S3 only' } })}`);
  process.exit(0);
}
// S7 measures objectproxypool's stream(); peers have no lazily-read, bounded streaming map to compare with.
if (scenario === 'S7' && library !== 'objectproxypool') {
  console.log(`RESULT ${JSON.stringify({ library, scenario, seconds: 0, metrics: { stream: na('no streaming API') } })}`);
  process.exit(0);
}
const run = scenarios[scenario];
if (!run || !adapters[library]) {
  console.error(`unknown library or scenario: ${library} ${scenario}`);
  process.exit(2);
}
const t0 = performance.now();
const metrics = await run();
console.log(`RESULT ${JSON.stringify({ library, scenario, seconds: (performance.now() - t0) / 1000, metrics })}`);
process.exit(0);
