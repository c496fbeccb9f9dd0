/**
 * Standalone: on 2 workers, the sequential round trip and the 100k-calls throughput of
 *   (a) a raw postMessage echo, (b) comlink wrapping an object in each worker, (c) objectproxypool.
 * Run: npx tsx bench/protocol-decision.ts [--rounds 5] [--calls 100000] [--trips 5000]
 * Steady state only (start-up is not measured), so running the library from source under tsx is fair here.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { ProxyPool } from '../lib/index.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const WORKERS = 2;
const ROUNDS = arg('rounds', 5);
const TRIPS = arg('trips', 5000);
const CALLS = arg('calls', 100_000);
const here = (p: string) => new URL(p, import.meta.url);

interface Subject {
  name: string;
  call(x: number): Promise<unknown>;
  many?(xs: number[]): Promise<unknown[]>;
  close(): Promise<unknown>;
}

async function raw(): Promise<Subject> {
  const threads = Array.from({ length: WORKERS }, () => new Worker(here('./workers/raw-worker.mjs')));
  const pending = new Map<number, (v: unknown) => void>();
  for (const w of threads) w.on('message', (m: [number, unknown]) => { pending.get(m[0])!(m[1]); pending.delete(m[0]); });
  let id = 0;
  return {
    name: '(a) raw postMessage echo',
    call: (x) => new Promise((resolve) => { const k = ++id; pending.set(k, resolve); threads[k % WORKERS]!.postMessage([k, 'noop', x]); }),
    close: () => Promise.all(threads.map((w) => w.terminate())),
  };
}

async function comlink(): Promise<Subject> {
  type Model = { noop(x: number): number };
  const threads = Array.from({ length: WORKERS }, () => new Worker(here('./workers/comlink-worker.mjs')));
  const remotes = threads.map((w) => Comlink.wrap<Model>(nodeEndpoint(w)));
  let i = 0;
  return {
    name: '(b) comlink, one object per worker',
    call: (x) => remotes[i++ % WORKERS]!.noop(x),
    close: async () => { for (const r of remotes) r[Comlink.releaseProxy](); await Promise.all(threads.map((w) => w.terminate())); },
  };
}

async function objectproxypool(): Promise<Subject> {
  const modelUrl = here('./workers/opp-model.mjs');
  const { BenchModel } = (await import(modelUrl.href)) as { BenchModel: new () => { noop(x: number): number } };
  const pool = await ProxyPool.create(BenchModel, { workers: WORKERS, module: modelUrl });
  return {
    name: '(c) objectproxypool',
    call: (x) => pool.noop.one(x),
    many: (xs) => pool.noop.map(xs),
    close: () => pool.close(),
  };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

async function measure(s: Subject) {
  for (let i = 0; i < 500; i++) await s.call(i); // warm-up
  const trip: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < TRIPS; i++) await s.call(i);
    trip.push(((performance.now() - t0) * 1000) / TRIPS);
  }
  await Promise.all(Array.from({ length: 10_000 }, (_, i) => s.call(i))); // warm-up
  const rate: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const ps = new Array<Promise<unknown>>(CALLS);
    for (let i = 0; i < CALLS; i++) ps[i] = s.call(i);
    await Promise.all(ps);
    rate.push(CALLS / ((performance.now() - t0) / 1000));
  }
  const mapRate: number[] = [];
  if (s.many) {
    const xs = Array.from({ length: CALLS }, (_, i) => i);
    await s.many(xs);
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      await s.many(xs);
      mapRate.push(CALLS / ((performance.now() - t0) / 1000));
    }
  }
  return { trip: median(trip), rate: median(rate), mapRate: mapRate.length ? median(mapRate) : undefined };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rows: string[] = [];
for (const make of [raw, comlink, objectproxypool]) {
  const s = await make();
  const m = await measure(s);
  await s.close();
  rows.push(`| ${s.name} | ${m.trip.toFixed(1)} µs | ${fmt(m.rate)}/s | ${m.mapRate ? `${fmt(m.mapRate)}/s` : '—'} |`);
}
console.log(`\n${WORKERS} workers, node ${process.version}, medians of ${ROUNDS} rounds (${TRIPS} sequential trips; ${CALLS.toLocaleString('en-US')} calls)\n`);
console.log('| protocol | sequential round trip | calls issued at once, awaited together | one map call of all tasks |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(r);
