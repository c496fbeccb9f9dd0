// Bundled with esbuild: the worker script is a second entry point, so the URL below names a file next to this
// bundle (esbuild does not follow `new Worker(new URL(...))` by itself).
import { Worker } from 'node:worker_threads';
import { ProxyPool, range } from 'objectproxypool';
import { Model } from './model.js';

const pool = await ProxyPool.create(Model, {
  workers: 2,
  args: [5],
  worker: () => new Worker(new URL('./model.worker.js', import.meta.url)),
});
try {
  console.log(JSON.stringify({ broadcast: await pool.times(1), map: await pool.times.map(range(3)) }));
} finally {
  await pool.close();
}
