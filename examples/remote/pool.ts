/**
 * A pool whose instances live on the hosts started with examples/remote/host.ts (on this or other machines):
 *
 *   node --import tsx examples/remote/pool.ts --servers nats://NATS_HOST:4222 [--workers 4] [--samples 4000000]
 *
 * It places `workers` PiSampler instances over whatever hosts answer, shows where each one runs, and estimates π
 * from a map of 40 batches (with `retries`, so a host lost mid-run costs time, not results).
 */
import { parseArgs } from 'node:util';
import { ProxyPool } from '../../lib/index.ts';
import { PiSampler } from './model.ts';

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: 'nats://127.0.0.1:4222' },
    workers: { type: 'string', default: '4' },
    samples: { type: 'string', default: '4000000' },
  },
});
const workers = Number(values.workers);
const samples = Number(values.samples);
const BATCHES = 40;
const perBatch = Math.ceil(samples / BATCHES);

const started = performance.now();
await using pool = await ProxyPool.create(PiSampler, {
  kind: 'remote',
  workers,
  seed: 7,
  respawn: true,
  remote: { servers: values.servers.split(','), token: process.env.NATS_TOKEN },
});
const places = await pool.where();
const hosts = new Set(places).size;
console.log(`${workers} instances on ${hosts} host process(es):`);
places.forEach((place, i) => console.log(`  instance ${i}: ${place}`));

const counts = await pool.with({ retries: 2 }).sample.map(Array(BATCHES).fill(perBatch));
const inside = counts.reduce((sum, n) => sum + n, 0);
const estimate = (4 * inside) / (perBatch * BATCHES);
const seconds = (performance.now() - started) / 1000;
console.log(`π ≈ ${estimate.toFixed(5)} (error ${(estimate - Math.PI).toExponential(2)}) from ${perBatch * BATCHES} samples in ${seconds.toFixed(2)} s`);
console.log(`RESULT ${JSON.stringify({ estimate, error: estimate - Math.PI, workers, hosts, samples: perBatch * BATCHES })}`);
