/**
 * Per-job pings: ping k of a job means "it has run k × interval ms and still runs". See docs/jobs.md for why the
 * thread kinds read a clock the worker writes, and why processes get half an interval of grace.
 */
import type { Job } from './job.ts';
import { wallMicros } from './job-worker.ts';

export class PingClock {
  private readonly timers = new Map<Job, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly interval: number,
    /** Thread and inline workers share memory with us: pings then read the job's own clock. */
    private readonly shared: boolean,
    private readonly send: (job: Job, count: number) => void,
  ) {}

  /** Starts pinging a job just handed to a worker; returns the clock memory the worker must write, if any. */
  start(job: Job): BigInt64Array | undefined {
    if (this.interval <= 0) return undefined;
    if (!this.shared) {
      this.timed(job, 1);
      return undefined;
    }
    const clock = new BigInt64Array(new SharedArrayBuffer(16));
    this.exact(job, clock);
    return clock;
  }

  stop(job: Job): void {
    clearTimeout(this.timers.get(job));
    this.timers.delete(job);
  }

  /** Sends the pings the worker's measured duration says were due and no timer sent (a busy main thread). */
  catchUp(job: Job, durationMs: number): void {
    if (this.interval <= 0) return;
    const due = Math.floor(durationMs / this.interval);
    while (job.pings < due) this.send(job, job.pings + 1);
  }

  private arm(job: Job, ms: number, fn: () => void): void {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref?.();
    this.timers.set(job, timer);
  }

  /**
   * Processes: ping k is due k intervals after the job was handed over and is sent half an interval later, so a
   * job whose result is already on its way reaches its final status first.
   */
  private timed(job: Job, count: number): void {
    const sendAt = job.startedAt! + count * this.interval + this.interval / 2;
    this.arm(job, sendAt - performance.now(), () => {
      if (job.status !== 'running') return;
      this.send(job, count);
      this.timed(job, count + 1);
    });
  }

  /**
   * Threads: the worker writes the job's start and end (wall-clock µs) to `clock` as they happen. Ping k is sent
   * once k intervals have passed since that start, unless the job had ended before — whatever the delays of
   * timers and messages.
   */
  private exact(job: Job, clock: BigInt64Array): void {
    let count = 1;
    const check = (): void => {
      if (job.status !== 'running') return;
      const start = Number(Atomics.load(clock, 0));
      if (start === 0) return this.arm(job, Math.min(this.interval, 5), check); // not started in its worker yet
      const due = start + count * this.interval * 1000;
      const now = wallMicros();
      if (now < due) return this.arm(job, (due - now) / 1000, check);
      const end = Number(Atomics.load(clock, 1));
      if (end !== 0 && end < due) return; // it ended before this ping was due; its result is on the way
      this.send(job, count++);
      check();
    };
    this.arm(job, this.interval, check);
  }
}
