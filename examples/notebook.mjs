/**
 * Notebook-style use from plain JavaScript: the class is defined right here, in the script — no module file —
 * and shipped to the workers as source with `shipSource: true`. Run with plain Node (after `npm run build`):
 *
 *   node examples/notebook.mjs [--kind process]
 *
 * The package imports itself by name ('objectproxypool' resolves to this repository's dist/), exactly as a
 * notebook or script that installed it would. The last line, `RESULT {...}`, repeats the output as JSON.
 */
import { parseArgs } from 'node:util';
import { ProxyPool, CapturedVariableError, repeat, workerContext } from 'objectproxypool';

// --kind process runs the same inline class in child processes instead of threads.
const { values: { kind } } = parseArgs({ options: { kind: { type: 'string', default: 'thread' } } });

// A random walker. Everything it uses is its own, a global (Math) or provided by objectproxypool (workerContext).
class Walker {
  #position = 0;
  steps = 0;
  ctx = workerContext();

  static stepSize = 1;

  walk(n) {
    for (let i = 0; i < n; i++) this.#position += this.ctx.rng.random() < 0.5 ? -Walker.stepSize : Walker.stepSize;
    this.steps += n;
    return this.#position;
  }

  async meanSquare(walkers, n) {
    let sum = 0;
    for (let w = 0; w < walkers; w++) {
      let x = 0;
      for (let i = 0; i < n; i++) x += this.ctx.rng.random() < 0.5 ? -1 : 1;
      sum += x * x;
    }
    return sum / walkers;
  }

  get where() {
    return `worker ${this.ctx.index} of ${this.ctx.count}`;
  }

  describe() {
    return `${this.where}: ${this.steps} steps, at ${this.#position}`;
  }
}

// (Node 20 runs plain JavaScript without `await using`: close the pool in a finally block.)
const pool = await ProxyPool.create(Walker, { workers: 2, kind, shipSource: true, seed: 2024 });
try {
  const positions = await pool.walk(1000);
  const descriptions = await pool.describe();
  // <x²> after n steps of ±1 is n: 8 batches of 2,000 walkers × 100 steps.
  const meanSquares = await pool.meanSquare.map(repeat(2000), Array(8).fill(100));
  const meanSquare = meanSquares.reduce((a, b) => a + b, 0) / meanSquares.length;
  console.log(`${pool.info.size} ${pool.info.kind} workers ran the inline class Walker`);
  for (const line of descriptions) console.log(`  ${line}`);
  console.log(`mean square displacement after 100 steps: ${meanSquare.toFixed(1)} (theory: 100)`);

  // A class that uses a variable of this script cannot run alone in a worker: create() says which one.
  const SCALE = 2;
  class Scaled {
    scale(x) {
      return x * SCALE;
    }
  }
  let rejected = '';
  try {
    await ProxyPool.create(Scaled, { workers: 2, shipSource: true });
  } catch (error) {
    if (!(error instanceof CapturedVariableError)) throw error;
    rejected = error.variables.join(',');
    console.log(`Scaled was rejected: ${error.message.split('. ')[0]}.`);
  }
  console.log(`RESULT ${JSON.stringify({ workers: pool.info.size, positions, descriptions, meanSquare, rejected })}`);
} finally {
  await pool.close();
}
