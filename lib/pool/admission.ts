/**
 * Admission of a pool's calls (pool option `capacity`): at most `capacity` calls admitted and not yet settled;
 * beyond that a call waits in a FIFO queue (backpressure 'wait') or is refused with BacklogFullError ('reject').
 * Capacity is released when a call settles — also on timeout or abort, whatever its tasks still do.
 */
import { BacklogFullError } from '../protocol/errors.ts';
import type { Job } from './job.ts';

interface Waiting {
  job: Job;
  start: () => void;
}

export class Admission {
  /** Calls admitted and not yet settled; bounded by `capacity`. */
  admitted = 0;
  private queue: Waiting[] = [];
  private head = 0;
  /** Calls in the queue that ended while waiting (timeout, abort). */
  private withdrawn = 0;

  constructor(
    private readonly capacity: number | undefined,
    private readonly backpressure: 'wait' | 'reject',
  ) {}

  /** Calls waiting for admission. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Every admitted call has settled: room up to capacity. */
  get full(): boolean {
    return this.capacity !== undefined && this.admitted >= this.capacity;
  }

  /** Starts `job` now, later (capacity reached, backpressure 'wait') or never (refused: the job fails). */
  offer(job: Job, start: () => void, backpressure = this.backpressure): void {
    const { capacity } = this;
    if (capacity === undefined || this.admitted < capacity) this.admit(job, start);
    else if (backpressure === 'reject') job.fail(new BacklogFullError(job.method, capacity));
    else this.queue.push({ job, start });
  }

  private admit(job: Job, start: () => void): void {
    this.admitted++;
    job.admitted = true;
    start();
  }

  /** `job` ended. Returns whether it had been admitted (its capacity is released: then call `admitNext`). */
  release(job: Job): boolean {
    if (!job.admitted) {
      // A call that timed out or was aborted while waiting for admission leaves the queue now, not when its turn
      // comes (issue 17): compact once withdrawn calls are the larger part of it.
      if (this.queue.length > 0 && ++this.withdrawn > 64 && this.withdrawn * 2 > this.waiting) {
        this.queue = this.queue.slice(this.head).filter((entry) => !entry.job.done);
        this.head = 0;
        this.withdrawn = 0;
      }
      return false;
    }
    this.admitted--;
    return true;
  }

  /** Starts the first waiting call that has not ended meanwhile, if any. */
  admitNext(): void {
    while (this.head < this.queue.length) {
      const next = this.queue[this.head]!;
      this.queue[this.head++] = undefined as never;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      if (next.job.done) continue;
      this.admit(next.job, next.start);
      break;
    }
  }
}
