/**
 * Micro-batching for worker stages: single items wait up to `waitMs` (or until `size` items are there) and then
 * travel as one array call, whose method returns one result per item. Unlike mpservice, a batch does not fail
 * whole: when the array call throws, its items are re-run one by one, so only the bad item fails.
 */
import type { RunContext } from './types.ts';

interface Waiting {
  input: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  context?: RunContext;
  onAbort?: () => void;
}

export class Batcher {
  private queue: Waiting[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Sizes of the array calls sent so far (the debug view shows the last ones). */
  readonly sent: number[] = [];

  constructor(
    private readonly name: string,
    private readonly callArray: (inputs: unknown[]) => Promise<unknown>,
    private readonly size: number,
    private readonly waitMs: number,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  add(input: unknown, context?: RunContext): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const item: Waiting = { input, resolve, reject, context };
      const signal = context?.signal;
      if (signal) {
        // An item whose caller gave up before its batch left is dropped at once: it never holds work.
        item.onAbort = () => {
          const at = this.queue.indexOf(item);
          if (at >= 0) this.queue.splice(at, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', item.onAbort, { once: true });
      }
      this.queue.push(item);
      if (this.queue.length >= this.size) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.waitMs);
    });
  }

  /** Sends everything waiting, in batches of at most `size`. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const items = this.queue.splice(0, this.size);
      for (const item of items) if (item.onAbort) item.context!.signal!.removeEventListener('abort', item.onAbort);
      this.sent.push(items.length);
      if (this.sent.length > 100) this.sent.shift();
      void this.send(items);
    }
  }

  private async send(items: Waiting[]): Promise<void> {
    let results: unknown;
    try {
      results = await this.callArray(items.map((item) => item.input));
    } catch (error) {
      if (items.length === 1) return items[0]!.reject(error);
      // One bad item must not fail its neighbours: re-run each alone (batches of one).
      for (const item of items) void this.send([item]);
      return;
    }
    if (!Array.isArray(results) || results.length !== items.length) {
      const got = Array.isArray(results) ? `an array of ${results.length}` : typeof results;
      const error = new TypeError(`${this.name}: a batched method must return an array with one result per input (${items.length}), got ${got}`);
      for (const item of items) item.reject(error);
      return;
    }
    items.forEach((item, i) => item.resolve(results[i]));
  }
}
