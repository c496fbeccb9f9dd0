/**
 * The example of the Python objectproxypool README, ported line by line to TypeScript.
 *
 *   npx tsx examples/readme-port.ts
 *
 * MyClass itself is in examples/models/my-class.ts: the workers import the class from its module, and that
 * module must not be this script (or every worker would run the example again).
 * The Python comments are kept; where the TypeScript API differs, the comment says how.
 * The last line, `RESULT {...}`, repeats what was printed as JSON for scripts and tests.
 */
import { ProxyPool, SharedArrayWrapper, range, repeat } from '../lib/index.ts';
import { MyClass } from './models/my-class.ts';

const module = new URL('./models/my-class.ts', import.meta.url);
const show = (label: string, value: unknown) => console.log(`${label}:`, value);

// Results gathered for the RESULT line (not part of the Python example).
const result: Record<string, unknown> = {};

// Create a pool of 4 instances of MyClass, each running
// in a separate worker thread. Set `kind: 'inline'`
// to run the instances in this thread instead (debugging).
// (Caution: if `workers` is larger than the number of
// available CPUs, the performance can be bad!)
// `await using` plays the part of Python's `with`: the pool is closed at the end of the block.
{
  await using pool = await ProxyPool.create(MyClass, { workers: 4, kind: 'thread', module });

  // We can easily parallelize a task by letting
  // each remote instance do the same. For example,
  // we obtain a sample of normally distributed random
  // numbers in parallel.
  // (Calling the method directly is the broadcast: one call per instance, results in worker order.)
  const samples = await pool.get_normal_sample(10, 1);
  console.log('get_normal_sample(10, 1):');
  for (const s of samples) console.log(`  [${s.map((x) => x.toFixed(3)).join(', ')}]`);
  result.normalSamples = samples;

  // We can change the state of the remote instances.
  // `.map(...)` is Python's `map_args=True`: each worker receives
  // one particular number of the range 0..3.
  // Without it, each worker would receive the
  // argument `range(4)`, i.e., all four numbers.
  // The option `synchronize: true` makes sure that
  // each worker gets a value before any worker
  // continues. This ensures that the property
  // is set in all workers.
  await pool.with({ synchronize: true }).set_property.map(range(4));
  // (Not in the Python example: read the field back from every instance to show it.)
  const properties = await pool.fields.get('property');
  show('property on each instance', JSON.stringify(properties));
  result.properties = properties;

  // Add numbers to the property
  // Even though we have only four workers, we can reuse
  // the workers to do multiple tasks until all the
  // work is done.
  const added = await pool.add_and_get_property.map(range(20), range(20));
  show('add_and_get_property(range(20), range(20))', JSON.stringify(added));
  result.addAndGet = added;

  // We can also exchange data via shared arrays.
  // To that end, create the array in shared memory with a SharedArrayWrapper
  // (SharedArrayWrapper.from(existing) copies an existing array in once).
  // Note: this works because worker threads share memory with this thread.
  const arr = SharedArrayWrapper.zeros(10, 'float64');

  // Passing the shared memory is as easy as passing the array as argument.
  // There is no `remoteArray` property to use: the wrapper itself is sent, and arrives
  // in the worker over the very same memory. `repeat(arr)` passes it to every task.
  const sums = await pool.fill_and_compute_sum.map(repeat(arr), range(10), range(10));

  // We see that the array has been filled as desired
  show('shared array', JSON.stringify(Array.from(arr.data)));
  result.array = Array.from(arr.data);

  // When the entries were filled, the array was not completely full yet.
  // Here, we see that the method was indeed processed in parallel,
  // since the input array is similar in several instances, as
  // indicated by equal sums of the entries.
  show('sums', JSON.stringify(sums));
  result.sums = sums;
}

// If it is required that the instances receive and return values
// in a particular order, use the `dedicated` flag:
{
  await using pool = await ProxyPool.create(MyClass, { workers: 4, kind: 'thread', module, dedicated: true });

  // Set each worker to a particular value
  // Note that if dedicated is true, the number of arguments must
  // match the number of workers!
  await pool.set_property.map(range(4));

  // Now, the results are returned in the same order as the
  // arguments were passed. Note that for dedicated workers,
  // we do not need to use synchronize, as each worker
  // always receives exactly one argument.
  const dedicated = await pool.add_and_get_property(1, 1);
  show('dedicated add_and_get_property(1, 1)', JSON.stringify(dedicated));
  result.dedicated = dedicated;
}

console.log(`RESULT ${JSON.stringify(result)}`);
