/** Turning a map call's iterables into argument tuples: zip, shortest wins (or strict), `repeat()` for constants. */
import { ArgumentError } from '../protocol/errors.ts';

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
export function range(startOrStop: number, stop?: number, step = 1): Generator<number> {
  const [start, end] = stop === undefined ? [0, startOrStop] : [startOrStop, stop];
  if (step === 0) throw new RangeError('range() step must not be 0');
  return new RangeIterator(start, end, step);
}

/**
 * range()'s iterator: a class rather than a generator function, since a generator's next() costs ~70 ns here and
 * this one's ~5 ns — what a stream of 10^7 tasks reading a range() pays per task (docs/design.md, streams).
 * It behaves as the generator did: one pass, return() and throw() end it.
 */
export class RangeIterator implements Generator<number, void, unknown> {
  private done = false;
  constructor(
    private next_: number,
    private readonly end: number,
    private readonly step: number,
  ) {}

  next(): IteratorResult<number, void> {
    const value = this.next_;
    if (this.done || (this.step > 0 ? value >= this.end : value <= this.end)) {
      this.done = true;
      return { value: undefined, done: true };
    }
    this.next_ = value + this.step;
    return { value, done: false };
  }

  /**
   * Writes the next values into `out` from `at`, up to its end, without an iterator result per value (a stream
   * reading 10^7 tasks from a range()); returns how many it wrote (fewer: the range has ended).
   */
  fill(out: Float64Array, at: number): number {
    let value = this.next_;
    let i = at;
    if (!this.done) {
      const { end, step } = this;
      if (step > 0) for (; i < out.length && value < end; i++, value += step) out[i] = value;
      else for (; i < out.length && value > end; i++, value += step) out[i] = value;
      this.next_ = value;
      if (i < out.length) this.done = true;
    }
    return i - at;
  }

  return(): IteratorResult<number, void> {
    this.done = true;
    return { value: undefined, done: true };
  }

  throw(error: unknown): IteratorResult<number, void> {
    this.done = true;
    throw error;
  }

  [Symbol.iterator](): this {
    return this;
  }

  readonly [Symbol.toStringTag] = 'Generator';
  declare [Symbol.dispose]: () => void;
}
// Iterator helpers' `using` support, where the platform has it (Node 20 does; older browsers may not).
if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(RangeIterator.prototype, Symbol.dispose, {
    value(this: RangeIterator) {
      this.return();
    },
  });
}

/**
 * A map call's arguments, column by column: `columns[p]` holds parameter p's value for every task (its first
 * `count` entries), or is undefined when the parameter is a `repeat()` constant, found in `constants[p]`.
 * Columns rather than one tuple per task: structured clone pays per array, so a chunk of 1,000 tasks travels as
 * a few flat arrays instead of 1,000 small ones (about 10× cheaper to post).
 */
export interface TaskColumns {
  count: number;
  /** Reading stopped at the caller's `maxCount`: there may be more tasks than `count`. */
  truncated?: boolean;
  /** A stream's column of numbers may be a Float64Array already (stream-input.ts): it then travels as it is. */
  columns: Array<unknown[] | Float64Array | undefined>;
  constants: unknown[];
}

/** The argument list of task `i`. */
export function taskArgs(tasks: TaskColumns, i: number): unknown[] {
  const args = new Array(tasks.columns.length);
  for (let p = 0; p < args.length; p++) {
    const column = tasks.columns[p];
    args[p] = column ? column[i] : tasks.constants[p];
  }
  return args;
}

/**
 * Zips the arguments into task columns, shortest wins (or `strict`: any difference in length is an error).
 * Arrays are used as they are; other iterables are read in step and exactly as far as needed, so generators
 * work and an endless one paired with a finite argument is fine.
 * `fixedCount` (a dedicated pool's size) gives a call made only of `repeat()` values its length.
 */
export function zipArgs(args: readonly unknown[], strict: boolean, fixedCount?: number, maxCount = Infinity): TaskColumns {
  const columns: Array<unknown[] | undefined> = new Array(args.length);
  const constants: unknown[] = new Array(args.length);
  const pulled: Array<{ param: number; iterator: Iterator<unknown>; values: unknown[] }> = [];
  let limit = Infinity;
  let shortest = -1;
  args.forEach((arg, i) => {
    if (isRepeat(arg)) {
      constants[i] = arg.value;
    } else if (Array.isArray(arg)) {
      columns[i] = arg;
      if (arg.length < limit) [limit, shortest] = [arg.length, i];
    } else if (arg !== null && arg !== undefined && typeof (arg as Iterable<unknown>)[Symbol.iterator] === 'function') {
      const values: unknown[] = [];
      columns[i] = values;
      pulled.push({ param: i, iterator: (arg as Iterable<unknown>)[Symbol.iterator](), values });
    } else {
      throw new ArgumentError(`map call: argument ${i} is not iterable (${arg === null ? 'null' : typeof arg}); wrap a constant in repeat()`);
    }
  });
  if (limit === Infinity && pulled.length === 0) {
    if (fixedCount === undefined) {
      throw new ArgumentError('map call: at least one argument must be a finite iterable (all are repeat() or there are none)');
    }
    return { count: fixedCount, columns, constants };
  }
  if (strict && shortest >= 0) {
    // Arrays' lengths are known exactly: a difference among them is reported before any iterator is read.
    const longer = args.findIndex((arg) => Array.isArray(arg) && arg.length > limit);
    if (longer >= 0) throw new ArgumentError(`map call (strict): argument ${shortest} has ${limit} items but argument ${longer} has more`);
  }
  let count = 0;
  let endedBy = -1;
  // An array bounds the reading already (and keeps strict checks exact); only iterators alone need maxCount.
  const pullLimit = limit === Infinity ? maxCount : limit;
  pulling: while (pulled.length > 0 && count < pullLimit) {
    for (const source of pulled) {
      let step: IteratorResult<unknown>;
      try {
        step = source.iterator.next();
      } catch (error) {
        // An input that fails midway is the caller's problem to fix: say which argument and item.
        const message = error instanceof Error ? error.message : String(error);
        throw new ArgumentError(`map call: argument ${source.param} threw while reading item ${count}: ${message}`, { cause: error });
      }
      if (step.done) {
        endedBy = source.param;
        break pulling;
      }
      source.values.push(step.value);
    }
    count++;
  }
  if (pulled.length === 0) count = limit;
  const truncated = limit === Infinity && endedBy < 0 && count === maxCount && pulled.length > 0;
  if (truncated) return { count, truncated, columns: columns.map((c) => c?.slice(0, count)), constants };
  if (strict) {
    const short = endedBy >= 0 ? endedBy : shortest;
    const longer = args.findIndex((_, j) => j !== short && columns[j] !== undefined && hasMore(columns[j]!, j, count, pulled, endedBy));
    if (longer >= 0) throw new ArgumentError(`map call (strict): argument ${short} has ${count} items but argument ${longer} has more`);
  }
  // Arrays are copied now: the caller may change them while later chunks are still waiting to be sent.
  args.forEach((arg, i) => {
    if (Array.isArray(arg)) columns[i] = arg.slice(0, count);
  });
  return { count, columns, constants };
}

/** After `count` tasks, does argument j still have items? Asks a pulled iterator for one more if it must. */
function hasMore(column: unknown[], j: number, count: number, pulled: Array<{ param: number; iterator: Iterator<unknown> }>, endedBy: number): boolean {
  if (column.length > count) return true; // an array, or an iterator that already gave the unfinished task its item
  const source = pulled.find((s) => s.param === j);
  if (!source || j === endedBy) return false;
  return !source.iterator.next().done;
}
