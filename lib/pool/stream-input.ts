/**
 * A stream call's arguments, read lazily: the same forms as a map (zip, shortest wins or strict, `repeat()` for a
 * constant) plus async iterables, pulled only as far as the stream's window lets tasks be submitted.
 */
import { ArgumentError } from '../protocol/errors.ts';
import { isRepeat, RangeIterator, type TaskColumns } from './map-args.ts';

type Source =
  | { kind: 'constant'; value: unknown }
  | { kind: 'array'; array: readonly unknown[]; position: number }
  | { kind: 'sync'; iterator: Iterator<unknown> }
  | { kind: 'async'; iterator: AsyncIterator<unknown> };

export class StreamInput {
  private readonly sources: Source[];
  /** True when any argument is an async iterable: pulling then awaits. */
  readonly isAsync: boolean;
  /** Tasks read so far (the next task's index). */
  read = 0;
  done = false;

  constructor(
    args: readonly unknown[],
    private readonly strict: boolean,
    private readonly what: string,
  ) {
    this.sources = args.map((arg, i): Source => {
      if (isRepeat(arg)) return { kind: 'constant', value: arg.value };
      if (Array.isArray(arg)) return { kind: 'array', array: arg, position: 0 };
      if (arg !== null && arg !== undefined && typeof (arg as Iterable<unknown>)[Symbol.iterator] === 'function') {
        return { kind: 'sync', iterator: (arg as Iterable<unknown>)[Symbol.iterator]() };
      }
      if (arg !== null && arg !== undefined && typeof (arg as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
        return { kind: 'async', iterator: (arg as AsyncIterable<unknown>)[Symbol.asyncIterator]() };
      }
      throw new ArgumentError(`${what}: argument ${i} is not iterable, sync or async (${arg === null ? 'null' : typeof arg}); wrap a constant in repeat()`);
    });
    if (this.sources.every((s) => s.kind === 'constant')) {
      throw new ArgumentError(`${what}: at least one argument must be an iterable (all are repeat() or there are none)`);
    }
    this.isAsync = this.sources.some((s) => s.kind === 'async');
    const iterable = this.sources.filter((s) => s.kind !== 'constant');
    if (iterable.length === 1 && iterable[0]!.kind !== 'async') this.single = this.sources.indexOf(iterable[0]!);
  }

  /** Up to `n` more tasks, as columns (none once the input has ended). Only for inputs without async iterables. */
  pullSync(n: number): TaskColumns {
    const { columns, constants } = this.empty();
    if (this.single >= 0) return this.pullSingle(n, columns, constants);
    let count = 0;
    reading: while (count < n && !this.done) {
      for (let p = 0; p < this.sources.length; p++) {
        const source = this.sources[p]!;
        if (source.kind === 'constant') continue;
        const step = this.stepSync(source, p);
        if (step.done) {
          this.ended(p, count, columns);
          break reading;
        }
        columns[p]!.push(step.value);
      }
      count++;
      this.read++;
    }
    if (this.done && this.strict) this.checkStrictSync();
    return { count, columns, constants };
  }

  /** The one iterable argument, when the others are all repeat() and it is sync: read in a tight loop. */
  private readonly single: number = -1;

  private pullSingle(n: number, columns: Array<unknown[] | Float64Array | undefined>, constants: unknown[]): TaskColumns {
    const p = this.single;
    const source = this.sources[p]!;
    const column = columns[p] as unknown[];
    let count = 0;
    if (source.kind === 'sync' && this.numeric) return this.pullNumbers(n, columns, constants);
    if (source.kind === 'array') {
      const end = Math.min(source.array.length, source.position + n);
      for (let i = source.position; i < end; i++) column.push(source.array[i]);
      count = end - source.position;
      source.position = end;
      if (count < n) this.done = true;
    } else {
      const iterator = (source as { iterator: Iterator<unknown> }).iterator;
      try {
        for (; count < n; count++) {
          const step = iterator.next();
          if (step.done) {
            this.done = true;
            break;
          }
          column.push(step.value);
          this.read++;
        }
      } catch (error) {
        throw this.threw(p, error);
      }
      return { count, columns, constants };
    }
    this.read += count;
    return { count, columns, constants };
  }

  /**
   * While the one iterable argument has yielded only numbers, they are read straight into a Float64Array: the
   * column a batch posts as it is (no array of boxed values, no packing pass; a range() writes its values without
   * an iterator result each). The first value that is not a number turns the column back into an array.
   */
  private numeric = true;

  private pullNumbers(n: number, columns: Array<unknown[] | Float64Array | undefined>, constants: unknown[]): TaskColumns {
    const p = this.single;
    const iterator = (this.sources[p] as { iterator: Iterator<unknown> }).iterator;
    const out = new Float64Array(n);
    let count = 0;
    let other: { value: unknown } | undefined;
    try {
      if (iterator instanceof RangeIterator) {
        count = iterator.fill(out, 0);
        if (count < n) this.done = true;
      } else {
        for (; count < n; count++) {
          const step = iterator.next();
          if (step.done) {
            this.done = true;
            break;
          }
          if (typeof step.value !== 'number') {
            other = { value: step.value };
            break;
          }
          out[count] = step.value;
        }
      }
    } catch (error) {
      throw this.threw(p, error);
    }
    if (other) {
      // Not all numbers: this batch and the rest of the stream read into arrays.
      this.numeric = false;
      const column = Array.from(out.subarray(0, count) as ArrayLike<unknown>);
      column.push(other.value);
      this.read += count + 1;
      columns[p] = column;
      const rest = this.pullSingle(n - count - 1, columns, constants);
      return { count: count + 1 + rest.count, columns, constants };
    }
    this.read += count;
    columns[p] = count === n ? out : out.slice(0, count);
    return { count, columns, constants };
  }

  /** Up to `n` more tasks, awaiting async iterables. */
  async pull(n: number): Promise<TaskColumns> {
    const { columns, constants } = this.empty();
    let count = 0;
    reading: while (count < n && !this.done) {
      for (let p = 0; p < this.sources.length; p++) {
        const source = this.sources[p]!;
        if (source.kind === 'constant') continue;
        const step = source.kind === 'async' ? await this.stepAsync(source, p) : this.stepSync(source, p);
        if (step.done) {
          this.ended(p, count, columns);
          break reading;
        }
        columns[p]!.push(step.value);
      }
      count++;
      this.read++;
    }
    if (this.done && this.strict) await this.checkStrict();
    return { count, columns, constants };
  }

  /** Lets go of the iterators (a generator's `finally` runs), when the stream ends before its input does. */
  async close(): Promise<void> {
    this.done = true;
    for (const source of this.sources) {
      try {
        if (source.kind === 'sync') source.iterator.return?.();
        else if (source.kind === 'async') await source.iterator.return?.();
      } catch {
        // The stream is over; an iterator failing to close has nothing left to affect.
      }
    }
  }

  private endedBy = -1;
  private partial: unknown[][] = [];

  private empty(): { columns: Array<unknown[] | undefined>; constants: unknown[] } {
    const columns = this.sources.map((s) => (s.kind === 'constant' ? undefined : []));
    const constants = this.sources.map((s) => (s.kind === 'constant' ? s.value : undefined));
    return { columns, constants };
  }

  /** Argument p ended: the task being read is incomplete, so its values from earlier arguments are dropped. */
  private ended(p: number, count: number, columns: Array<unknown[] | undefined>): void {
    this.done = true;
    this.endedBy = p;
    this.partial = columns.map((c) => (c && c.length > count ? c.splice(count) : []));
  }

  private stepSync(source: Source, p: number): IteratorResult<unknown> {
    if (source.kind === 'array') {
      return source.position < source.array.length ? { done: false, value: source.array[source.position++] } : { done: true, value: undefined };
    }
    try {
      return (source as { iterator: Iterator<unknown> }).iterator.next();
    } catch (error) {
      throw this.threw(p, error);
    }
  }

  private async stepAsync(source: { iterator: AsyncIterator<unknown> }, p: number): Promise<IteratorResult<unknown>> {
    try {
      return await source.iterator.next();
    } catch (error) {
      throw this.threw(p, error);
    }
  }

  private threw(p: number, error: unknown): ArgumentError {
    this.done = true;
    const message = error instanceof Error ? error.message : String(error);
    return new ArgumentError(`${this.what}: argument ${p} threw while reading item ${this.read}: ${message}`, { cause: error });
  }

  /** Strict: every other argument must have ended at the same task. */
  private checkStrictSync(): void {
    const longer = this.longerSync();
    if (longer >= 0) this.strictError(longer);
  }

  private async checkStrict(): Promise<void> {
    let longer = this.longerSync();
    if (longer < 0) {
      for (let p = 0; p < this.sources.length && longer < 0; p++) {
        const source = this.sources[p]!;
        if (p !== this.endedBy && source.kind === 'async' && !this.partial[p]?.length && !(await this.stepAsync(source, p)).done) longer = p;
      }
    }
    if (longer >= 0) this.strictError(longer);
  }

  private longerSync(): number {
    for (let p = 0; p < this.sources.length; p++) {
      const source = this.sources[p]!;
      if (p === this.endedBy || source.kind === 'constant' || source.kind === 'async') {
        if (source.kind === 'async' && p !== this.endedBy && this.partial[p]?.length) return p;
        continue;
      }
      if (this.partial[p]?.length) return p;
      if (!this.stepSync(source, p).done) return p;
    }
    return -1;
  }

  private strictError(longer: number): never {
    throw new ArgumentError(`${this.what} (strict): argument ${this.endedBy} has ${this.read} items but argument ${longer} has more`);
  }
}
