/**
 * MyClass from the Python README of objectproxypool, ported to TypeScript for examples/readme-port.ts.
 * The method names keep Python's snake_case so that the two versions can be read side by side.
 *
 * It lives in its own module because the pool's workers import the class from here; importing the example's
 * script instead would run the whole example again inside every worker.
 */
import { SharedArrayWrapper, workerContext, type WorkerContext } from '../../lib/index.ts';

/** Blocks this thread for `ms` milliseconds, like Python's time.sleep (the worker does nothing else meanwhile). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// Define some class providing the
// the functionality we are interested in
export class MyClass {
  property: number | null = null;

  // Python seeds NumPy with the process id so that every worker draws different numbers.
  // Here every instance has its own generator already, seeded from the pool's `seed` and the worker index.
  private readonly ctx: WorkerContext = workerContext();

  get_normal_sample(mean: number, std: number): number[] {
    return Array.from({ length: 10 }, () => this.ctx.rng.normal(mean, std));
  }

  set_property(value: number): void {
    this.property = value;
  }

  add_and_get_property(...args: number[]): [number | null, number] {
    return [this.property, args.reduce((sum, x) => sum + x, 0)];
  }

  fill_and_compute_sum(arr: SharedArrayWrapper<'float64'>, i: number, value: number): number {
    // add some delay for demonstration purposes only
    sleepSync(200);

    // No `with Unpacker(arr)` needed: the wrapper arrives in the worker already mapped onto the same shared
    // memory, and `arr.data` is a plain Float64Array over it (`arr.array` is an ndarray view, if you prefer).
    arr.data[i] = value;
    return arr.data.reduce((sum, x) => sum + x, 0);
  }
}
