/** Turning a map call's iterables into argument tuples: zip, shortest wins (or strict), `repeat()` for constants. */
import { ArgumentError } from './errors.ts';

const REPEAT = Symbol.for('objectproxypool.repeat');

/** A constant for every task of a map call (Python's `itertools.repeat`). It never decides the task count. */
export interface Repeat<T> extends Iterable<T> {
  readonly [REPEAT]: true;
  readonly value: T;
}

/**
 * Passes the same value to every task of a map call.
 *
 * @example
 * await pool.fill_and_compute_sum.map(repeat(shared), range(10), range(10));
 */
export function repeat<T>(value: T): Repeat<T> {
  return {
    [REPEAT]: true,
    value,
    *[Symbol.iterator]() {
      for (;;) yield value;
    },
  };
}

export function isRepeat(value: unknown): value is Repeat<unknown> {
  return typeof value === 'object' && value !== null && (value as Repeat<unknown>)[REPEAT] === true;
}

/**
 * `range(stop)` / `range(start, stop, step)`: a lazy integer sequence, as in Python — the README idiom
 * `pool.set_property.map(range(4))` reads the same in both languages.
 */
export function* range(startOrStop: number, stop?: number, step = 1): Generator<number> {
  const [start, end] = stop === undefined ? [0, startOrStop] : [startOrStop, stop];
  if (step === 0) throw new RangeError('range() step must not be 0');
  for (let i = start; step > 0 ? i < end : i > end; i += step) yield i;
}

/**
 * Zips the arguments into task tuples. One-shot iterables (generators) are read exactly once.
 * `fixedCount` (a dedicated pool's size) lets a call made only of `repeat()` values have a length.
 */
export function zipArgs(args: readonly unknown[], strict: boolean, fixedCount?: number): unknown[][] {
  const iterators: Array<Iterator<unknown> | undefined> = args.map((arg, i) => {
    if (isRepeat(arg)) return undefined;
    if (arg === null || arg === undefined || typeof (arg as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new ArgumentError(`map call: argument ${i} is not iterable (${arg === null ? 'null' : typeof arg}); wrap a constant in repeat()`);
    }
    return (arg as Iterable<unknown>)[Symbol.iterator]();
  });
  const live = iterators.filter((it) => it !== undefined).length;
  if (live === 0 && fixedCount === undefined) {
    throw new ArgumentError('map call: at least one argument must be a finite iterable (all are repeat() or there are none)');
  }
  const tuples: unknown[][] = [];
  for (;;) {
    if (live === 0 && tuples.length === fixedCount) return tuples;
    const tuple = new Array(args.length);
    for (let i = 0; i < args.length; i++) {
      const it = iterators[i];
      if (!it) {
        tuple[i] = (args[i] as Repeat<unknown>).value;
        continue;
      }
      const step = it.next();
      if (step.done) {
        if (strict) checkAllDone(iterators, i, tuples.length);
        return tuples;
      }
      tuple[i] = step.value;
    }
    tuples.push(tuple);
  }
}

function checkAllDone(iterators: Array<Iterator<unknown> | undefined>, ended: number, length: number): void {
  for (let j = 0; j < iterators.length; j++) {
    if (j === ended || !iterators[j]) continue;
    // Arguments before `ended` already gave their item for the unfinished tuple; those after have not been asked.
    const extra = j < ended ? 1 : iterators[j]!.next().done ? 0 : 1;
    if (extra) {
      throw new ArgumentError(
        `map call (strict): argument ${ended} has ${length} items but argument ${j} has more`,
      );
    }
  }
}
