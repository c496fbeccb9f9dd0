/**
 * A seeded Monte Carlo ensemble as a stream, with a checkpoint, a progress bar and an SVG convergence plot.
 *
 *   npx tsx examples/ensemble-stream.ts                        # 400 replicates; rerun after Ctrl-C to resume
 *   npx tsx examples/ensemble-stream.ts --tasks 2000 --workers 4 --seed 7 --svg plot.svg --checkpoint run.ckpt
 *   npx tsx examples/ensemble-stream.ts --stop-after 100       # leave the loop early (as a crash would), then rerun
 *
 * Each replicate prices a European call by Monte Carlo on its own random stream (taskContext().rng), so the
 * ensemble's numbers depend only on --seed and the task index: any --workers gives the same estimate, and a run
 * resumed from its checkpoint gives exactly what an uninterrupted run gives. The stream reads its input lazily and
 * keeps at most `window` replicates in flight, so memory stays flat however many replicates are asked for.
 * The plot shows the running estimate ± its 95% confidence interval against replicates done, and the exact
 * (Black–Scholes) price it converges to. The last line, `RESULT {...}`, repeats the outcome as JSON.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProxyPool, repeat } from '../lib/index.ts';
import { OptionEnsemble, blackScholesCall, type Market } from './models/option-ensemble.ts';
import { terminalBar } from './terminal-bar.ts';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '400' },
    paths: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '2' },
    seed: { type: 'string', default: '2026' },
    checkpoint: { type: 'string', default: join(tmpdir(), 'objectproxypool-ensemble.ckpt') },
    svg: { type: 'string', default: 'ensemble-convergence.svg' },
    'stop-after': { type: 'string' },
  },
});
const tasks = Number(values.tasks);
const paths = Number(values.paths);
const workers = Number(values.workers);
const seed = Number(values.seed);
const stopAfter = values['stop-after'] === undefined ? Infinity : Number(values['stop-after']);
for (const [name, value] of Object.entries({ tasks, paths, workers, seed })) {
  if (!Number.isInteger(value) || value < (name === 'seed' ? 0 : 1)) {
    console.error(`--${name} must be a ${name === 'seed' ? 'non-negative' : 'positive'} integer`);
    process.exit(2);
  }
}

const market: Market = { spot: 100, strike: 100, rate: 0.05, volatility: 0.2, years: 1 };
const exact = blackScholesCall(market);

await using pool = await ProxyPool.create(OptionEnsemble, { workers, module: new URL('./models/option-ensemble.ts', import.meta.url), seed });
console.log(`Ensemble of ${tasks} replicates × ${paths} paths on ${workers} workers, seed ${seed}; checkpoint ${values.checkpoint}`);

// Welford's running mean and variance of the replicates, and the curve for the plot.
let n = 0;
let mean = 0;
let m2 = 0;
const curve: Array<{ n: number; mean: number; half: number }> = [];
const bar = await terminalBar('replicates');
const started = performance.now();
// key: 0 pins the call's key, so the checkpoint (and the random streams) match however the program evolves.
// The input is read lazily: replicate i's market comes from a generator, so --tasks 10000000 costs no memory.
function* markets() {
  for (let i = 0; i < tasks; i++) yield market;
}
const stream = pool.with({ checkpoint: values.checkpoint, key: 0, window: 64 }).replicate.stream(markets(), repeat(paths));
for await (const price of stream) {
  n++;
  const delta = price - mean;
  mean += delta / n;
  m2 += delta * (price - mean);
  const half = n > 1 ? (1.96 * Math.sqrt(m2 / (n - 1))) / Math.sqrt(n) : NaN;
  curve.push({ n, mean, half });
  if (bar) bar({ done: n, total: tasks, byWorker: [] });
  else if (n % Math.max(1, Math.floor(tasks / 8)) === 0) console.log(`  ${n}/${tasks} replicates: ${mean.toFixed(4)} ± ${half.toFixed(4)}`);
  if (n >= stopAfter) break; // leaving the loop cancels what is in flight; what was recorded stays
}
const seconds = (performance.now() - started) / 1000;
const half = curve.at(-1)?.half ?? NaN;
const complete = n === tasks;
console.log(
  complete
    ? `Estimate ${mean.toFixed(4)} ± ${half.toFixed(4)} (95%), exact ${exact.toFixed(4)}; ${seconds.toFixed(2)} s`
    : `Stopped after ${n} of ${tasks} replicates (recorded in the checkpoint): rerun to resume`,
);
writeFileSync(values.svg, convergencePlot(curve, exact, tasks));
console.log(`Convergence plot: ${values.svg}`);
console.log(`RESULT ${JSON.stringify({ done: n, tasks, complete, estimate: mean, halfWidth: half, exact, svg: values.svg })}`);

/** Running estimate ± 95% interval against replicates done, the exact price as a dashed line. Plain SVG. */
function convergencePlot(points: typeof curve, truth: number, total: number): string {
  const W = 640, H = 360, L = 60, R = 20, T = 30, B = 45;
  const shown = points.filter((p) => Number.isFinite(p.half));
  const lo = Math.min(truth, ...shown.map((p) => p.mean - p.half));
  const hi = Math.max(truth, ...shown.map((p) => p.mean + p.half));
  const pad = (hi - lo) * 0.05 || 1;
  const y0 = lo - pad, y1 = hi + pad;
  const x = (n: number) => L + ((n - 1) / Math.max(1, total - 1)) * (W - L - R);
  const y = (v: number) => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  const f = (v: number) => v.toFixed(1);
  const band = [...shown.map((p) => `${f(x(p.n))},${f(y(p.mean + p.half))}`), ...shown.reverse().map((p) => `${f(x(p.n))},${f(y(p.mean - p.half))}`)].join(' ');
  shown.reverse();
  const line = shown.map((p) => `${f(x(p.n))},${f(y(p.mean))}`).join(' ');
  const yTicks = Array.from({ length: 5 }, (_, i) => y0 + ((y1 - y0) * i) / 4);
  const xTicks = Array.from({ length: 5 }, (_, i) => Math.max(1, Math.round(1 + ((total - 1) * i) / 4)));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
  <rect width="${W}" height="${H}" fill="white"/>
  <text x="${W / 2}" y="18" text-anchor="middle" font-size="14">Ensemble estimate ± 95% interval (${points.length} of ${total} replicates)</text>
  <polygon points="${band}" fill="#9ecae1" fill-opacity="0.6"/>
  <polyline points="${line}" fill="none" stroke="#08519c" stroke-width="1.5"/>
  <line x1="${L}" x2="${W - R}" y1="${f(y(truth))}" y2="${f(y(truth))}" stroke="#d62728" stroke-dasharray="6 4"/>
  <text x="${W - R}" y="${f(y(truth) - 6)}" text-anchor="end" fill="#d62728">exact ${truth.toFixed(4)}</text>
  <line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="black"/>
  <line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="black"/>
${yTicks.map((v) => `  <text x="${L - 6}" y="${f(y(v) + 4)}" text-anchor="end">${v.toFixed(2)}</text>`).join('\n')}
${xTicks.map((n) => `  <text x="${f(x(n))}" y="${H - B + 16}" text-anchor="middle">${n}</text>`).join('\n')}
  <text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">replicates done</text>
</svg>
`;
}
