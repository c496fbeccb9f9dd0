/**
 * Monte Carlo estimate of π on a pool of workers, each holding its own PiEstimator (examples/models/pi-estimator.ts).
 *
 *   npm start                                  # = tsx examples/montecarlo.ts
 *   npx tsx examples/montecarlo.ts --workers 2 --samples 20000000 --seed 7
 *
 * It shows the three ways of talking to the instances:
 *   1. broadcast  — `pool.sample(n, acc)` runs once on every instance, each with its own seeded generator;
 *   2. map_args   — `pool.sampleBatch.map(...)` spreads numbered batches over whichever workers are free;
 *   3. shared memory — every task adds its counts into one SharedArrayWrapper with `atomicAdd`, so the host reads
 *      the totals without collecting anything.
 * With the same --seed, --workers and --samples, every run prints the same estimate (the broadcast part depends
 * on the number of workers, one stream per worker; the map part does not).
 * The last line, `RESULT {...}`, is the same information as JSON for scripts and tests.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ProxyPool, SharedArrayWrapper, range, repeat } from '../lib/index.ts';
import { atomicLoad } from '../lib/entries/shared.ts';
import { DRAWN, INSIDE, PiEstimator } from './models/pi-estimator.ts';
import { terminalBar } from './terminal-bar.ts';

const { values } = parseArgs({
  options: {
    // Default: one worker per core, at most 4 (under tsx each worker thread also loads the TypeScript loader).
    workers: { type: 'string', default: String(Math.min(4, availableParallelism())) },
    samples: { type: 'string', default: '8000000' },
    seed: { type: 'string', default: '42' },
  },
});
const workers = positiveInteger('workers', values.workers);
const samples = positiveInteger('samples', values.samples);
const seed = Number(values.seed);
if (!Number.isInteger(seed) || seed < 0) usage(`--seed must be a non-negative integer, got ${values.seed}`);

/** Half of the samples go to the broadcast, the rest to the map call in BATCHES batches. */
const BATCHES = 16;
const perWorker = Math.floor(samples / 2 / workers);
const rest = samples - perWorker * workers;
const batchSizes = Array.from({ length: BATCHES }, (_, b) => Math.floor(rest / BATCHES) + (b < rest % BATCHES ? 1 : 0));

const fmt = (n: number) => n.toLocaleString('en-US');
const estimate = (inside: number, drawn: number) => (drawn === 0 ? NaN : (4 * inside) / drawn);

const started = performance.now();
// `await using` closes the pool (and ends its worker threads) when this scope is left, even on an error.
await using pool = await ProxyPool.create(PiEstimator, {
  workers,
  module: new URL('./models/pi-estimator.ts', import.meta.url),
  seed, // each worker's workerContext().rng is seeded from this and its index: reproducible runs
});
const ready = performance.now();
console.log(`Monte Carlo estimate of π: ${fmt(samples)} samples on ${workers} ${pool.info.kind} workers, seed ${pool.info.seed}`);

// The accumulator: [inside, drawn], shared by the host and every worker (no copies).
const acc = SharedArrayWrapper.zeros(2, 'float64');

// 1. Broadcast: every instance draws `perWorker` points from its own stream; results come back in worker order.
const perInstance = await pool.sample(perWorker, acc);
const broadcastInside = perInstance.reduce((s, d) => s + d.inside, 0);
console.log(`\n1. broadcast: ${workers} workers × ${fmt(perWorker)} samples`);
for (const d of perInstance) console.log(`   worker ${d.worker}: ${fmt(d.inside)} inside -> π ≈ ${estimate(d.inside, d.drawn).toFixed(5)}`);
console.log(`   together -> π ≈ ${estimate(broadcastInside, perWorker * workers).toFixed(5)}`);

// 2. map_args: task b gets (acc, seed, b, batchSizes[b]); `repeat` passes the same value to every task.
//    In a terminal, a progress bar follows the batches (onProgress); piped output has none.
const onProgress = await terminalBar('map_args');
const batches = await pool.with({ onProgress }).sampleBatch.map(repeat(acc), repeat(seed), range(BATCHES), batchSizes);
const batchInside = batches.reduce((s, d) => s + d.inside, 0);
const byWorker = Array.from({ length: workers }, (_, w) => batches.filter((d) => d.worker === w).length);
console.log(`\n2. map_args: ${BATCHES} batches of ~${fmt(batchSizes[0]!)} samples, taken by the workers as ${byWorker.join(' / ')}`);
console.log(`   together -> π ≈ ${estimate(batchInside, rest).toFixed(5)}`);

// 3. The shared accumulator already holds the totals of both calls.
const inside = atomicLoad(acc, INSIDE);
const drawn = atomicLoad(acc, DRAWN);
const consistent = inside === broadcastInside + batchInside && drawn === samples;
console.log(`\n3. shared accumulator: ${fmt(inside)} of ${fmt(drawn)} points inside` + (consistent ? ' (matches the returned counts)' : ' (MISMATCH with the returned counts!)'));

const pi = estimate(inside, drawn);
const error = pi - Math.PI;
const ms = performance.now() - started;
console.log(`\nπ ≈ ${pi.toFixed(6)}   Math.PI = ${Math.PI.toFixed(6)}   error ${error >= 0 ? '+' : ''}${error.toExponential(2)}`);
console.log(`time: ${(ms / 1000).toFixed(2)} s (starting the pool ${((ready - started) / 1000).toFixed(2)} s, sampling ${((performance.now() - ready) / 1000).toFixed(2)} s)`);
console.log(`reproduce: npx tsx examples/montecarlo.ts --workers ${workers} --samples ${samples} --seed ${seed}`);
console.log(`RESULT ${JSON.stringify({ estimate: pi, error, inside, drawn, consistent, workers, samples, seed, ms: Math.round(ms) })}`);
if (!consistent) process.exitCode = 1;

function positiveInteger(name: string, text: string): number {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) usage(`--${name} must be a positive integer, got ${text}`);
  return n;
}

function usage(message: string): never {
  console.error(`${message}\nusage: tsx examples/montecarlo.ts [--workers N] [--samples N] [--seed N]`);
  process.exit(2);
}
