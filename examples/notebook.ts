/**
 * Notebook-style use from TypeScript: the class is defined right here — no module file — and shipped to the workers
 * as source with `shipSource: true`. tsx compiles this file before it runs, so `Walker.toString()` is already
 * JavaScript (with esbuild's `__name` helper, which the workers provide); the types below cost nothing.
 *
 *   npx tsx examples/notebook.ts [--kind process]
 *
 * The last line, `RESULT {...}`, repeats the output as JSON.
 */
import { parseArgs } from 'node:util';
import { CapturedVariableError, ProxyPool, repeat, workerContext, type WorkerContext } from '../lib/index.ts';

// --kind process runs the same inline class in child processes instead of threads.
const { values } = parseArgs({ options: { kind: { type: 'string', default: 'thread' } } });
const kind = values.kind === 'process' ? 'process' : 'thread';

class Walker {
  #position = 0;
  steps = 0;
  readonly ctx: WorkerContext = workerContext();
  static stepSize = 1;

  constructor(private readonly label: string) {}

  walk(n: number): number {
    for (let i = 0; i < n; i++) this.#position += this.ctx.rng.random() < 0.5 ? -Walker.stepSize : Walker.stepSize;
    this.steps += n;
    return this.#position;
  }

  async meanSquare(walkers: number, n: number): Promise<number> {
    let sum = 0;
    for (let w = 0; w < walkers; w++) {
      let x = 0;
      for (let i = 0; i < n; i++) x += this.ctx.rng.random() < 0.5 ? -1 : 1;
      sum += x * x;
    }
    return sum / walkers;
  }

  get where(): string {
    return `${this.label} ${this.ctx.index} of ${this.ctx.count}`;
  }

  describe(): string {
    return `${this.where}: ${this.steps} steps, at ${this.#position}`;
  }
}

await using pool = await ProxyPool.create(Walker, { workers: 2, kind, shipSource: true, seed: 2024, args: ['walker'] });
const positions: number[] = await pool.walk(1000);
const descriptions = await pool.describe();
const meanSquares = await pool.meanSquare.map(repeat(2000), Array(8).fill(100));
const meanSquare = meanSquares.reduce((a, b) => a + b, 0) / meanSquares.length;
console.log(`${pool.info.size} ${pool.info.kind} workers ran the inline class Walker`);
for (const line of descriptions) console.log(`  ${line}`);
console.log(`mean square displacement after 100 steps: ${meanSquare.toFixed(1)} (theory: 100)`);

// A class extending a class of this script cannot run alone in a worker: create() names the base class.
class Base {
  twice(x: number): number {
    return 2 * x;
  }
}
class Derived extends Base {}
let rejected = '';
try {
  await ProxyPool.create(Derived, { workers: 2, shipSource: true });
} catch (error) {
  if (!(error instanceof CapturedVariableError)) throw error;
  rejected = error.variables.join(',');
  console.log(`Derived was rejected: ${error.message.split('. ')[0]}.`);
}
console.log(`RESULT ${JSON.stringify({ workers: pool.info.size, positions, descriptions, meanSquare, rejected })}`);
