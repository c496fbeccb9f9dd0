/**
 * Monte Carlo π in the browser: a pool of module Web Workers (kind 'web'), each holding a PiEstimator
 * (examples/models/pi-estimator.ts, the same class as the Node example). Numbered batches are mapped over the
 * workers; every batch adds its counts into one SharedArrayWrapper with atomicAdd, so the page reads the running
 * totals straight from shared memory whenever the pool reports progress, and charts the estimate.
 *
 *   npm run example:web      # builds this page with esbuild (scripts/build-web-example.mjs) and serves it
 *
 * Query parameters: ?workers=4&batches=200&batch=100000&seed=42
 * When done, `window.piResult` holds the numbers and `<body data-state="done">` is set (the browser spec waits for it).
 */
import { ProxyPool, SharedArrayWrapper, range, repeat, type Progress } from '../../lib/index.ts';
import { atomicLoad } from '../../lib/entries/shared.ts';
import { DRAWN, INSIDE, PiEstimator } from '../models/pi-estimator.ts';
import { drawChart, type ChartPoint } from './chart.ts';

const params = new URLSearchParams(location.search);
const int = (name: string, fallback: number) => {
  const value = Number(params.get(name) ?? fallback);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};
const workers = int('workers', Math.min(4, navigator.hardwareConcurrency || 2));
const batches = int('batches', 200);
const batchSize = int('batch', 100_000);
const seed = int('seed', 42);
const total = batches * batchSize;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>('chart');
const fmt = (n: number) => n.toLocaleString('en-US');
const points: ChartPoint[] = [];

function show(acc: SharedArrayWrapper<'float64'>, progress?: Progress): void {
  const inside = atomicLoad(acc, INSIDE);
  const drawn = atomicLoad(acc, DRAWN);
  if (drawn > 0) points.push({ drawn, estimate: (4 * inside) / drawn });
  const estimate = points.at(-1)?.estimate;
  $('estimate').textContent = estimate === undefined ? '…' : estimate.toFixed(6);
  $('detail').textContent = drawn > 0 ? `  (${fmt(drawn)} points, error ${(estimate! - Math.PI).toExponential(2)})` : '';
  if (progress) {
    const bar = $<HTMLProgressElement>('progress');
    bar.max = progress.total;
    bar.value = progress.done;
    $('status').textContent = `${progress.done} / ${progress.total} batches`;
    $('workers').textContent = `batches per worker: ${progress.byWorker.map((n, i) => `#${i} ${n}`).join(' · ')}`;
  }
  drawChart(canvas, points, total);
}

async function main(): Promise<void> {
  drawChart(canvas, points, total);
  // Thrown here, with the fix in its message, when the page is served without the two isolation headers.
  const acc = SharedArrayWrapper.zeros(2, 'float64');
  await using pool = await ProxyPool.create(PiEstimator, {
    workers,
    seed,
    // The bundler-friendly form: esbuild, Vite and webpack all understand `new Worker(new URL(...))`.
    worker: () => new Worker(new URL('./pi.worker.js', import.meta.url), { type: 'module' }),
  });
  $('status').textContent = `${workers} ${pool.info.kind} workers ready`;
  const started = performance.now();
  let lastProgress: Progress | undefined;
  const draws = await pool
    .with({ chunkSize: 2, onProgress: (p) => show(acc, (lastProgress = p)) })
    .sampleBatch.map(repeat(acc), repeat(seed), range(batches), repeat(batchSize));
  const seconds = (performance.now() - started) / 1000;
  show(acc, lastProgress);
  const inside = atomicLoad(acc, INSIDE);
  const drawn = atomicLoad(acc, DRAWN);
  const pi = (4 * inside) / drawn;
  $('status').textContent = `done: ${batches} batches in ${seconds.toFixed(2)} s`;
  Object.assign(globalThis, {
    piResult: {
      pi,
      drawn,
      inside,
      returnedInside: draws.reduce((s, d) => s + d.inside, 0),
      chartPoints: points.length,
      byWorker: lastProgress?.byWorker,
      workers,
      kind: pool.info.kind,
      crossOriginIsolated: globalThis.crossOriginIsolated,
      seconds,
    },
  });
}

main().then(
  () => (document.body.dataset.state = 'done'),
  (error: Error) => {
    $('error').textContent = `${error.name}: ${error.message}`;
    Object.assign(globalThis, { piError: { name: error.name, message: error.message } });
    document.body.dataset.state = 'error';
  },
);
