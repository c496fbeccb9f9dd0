/**
 * The ensemble of examples/ensemble.ipynb as a plain script: the same class, seed, worker count and rounds, so it
 * prints the same numbers as the notebook (spec/notebook-kernel.spec.ts compares them). Run: node examples/ensemble.mjs
 */
import { ProxyPool, SharedArrayWrapper, workerContext } from 'objectproxypool';

class PiEstimator {
  ctx = workerContext();

  estimate(samples, hits, round) {
    let inside = 0;
    for (let i = 0; i < samples; i++) {
      const x = this.ctx.rng.random();
      const y = this.ctx.rng.random();
      if (x * x + y * y <= 1) inside++;
    }
    hits.array.set(round, this.ctx.index, inside);
    return (4 * inside) / samples;
  }
}

const rounds = 20;
const samples = 20_000;
const pool = await ProxyPool.create(PiEstimator, { workers: 2, shipSource: true, seed: 2024 });
try {
  const hits = SharedArrayWrapper.zeros([rounds, pool.info.size], 'int32');
  const estimates = [];
  for (let round = 0; round < rounds; round++) estimates.push(...(await pool.estimate(samples, hits, round)));
  let inside = 0;
  for (let r = 0; r < rounds; r++) for (let w = 0; w < pool.info.size; w++) inside += hits.array.get(r, w);
  const pi = (4 * inside) / (rounds * pool.info.size * samples);
  console.log(`pi ≈ ${pi.toFixed(5)} from ${rounds * pool.info.size * samples} samples`);
  console.log('RESULT ' + JSON.stringify({ estimates, pi }));
} finally {
  await pool.close();
}
