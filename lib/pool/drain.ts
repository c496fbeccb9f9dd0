/**
 * Drain and utilisation (issue 22): when the pool empties (piscina's `drain`), and how busy its workers are
 * (workerpool's `stats()`, piscina's `utilization`).
 */
import type { PoolStats } from './types.ts';
import type { WorkerSlot } from './worker-slot.ts';

/** Runs `fn` after this turn of the event loop: setImmediate on Node, a zero timeout elsewhere. */
const endOfTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

export class DrainSignal {
  private waiters: Array<() => void> = [];
  private scheduled = false;

  constructor(
    private readonly isEmpty: () => boolean,
    private readonly onDrain: (() => void) | undefined,
  ) {}

  /**
   * The last call settled: tell `wait()`ers and `onDrain`, once per emptying. Checked again at the end of this
   * turn of the event loop, so that code awaiting the last call and issuing the next at once (a producer) does
   * not count as an emptying. Nothing is scheduled when nobody listens: sequential calls empty the pool each
   * time, and a timer per call would cost them ~1 µs.
   */
  emptied(): void {
    if (this.scheduled || (this.waiters.length === 0 && !this.onDrain)) return;
    this.scheduled = true;
    endOfTurn(() => {
      this.scheduled = false;
      if (!this.isEmpty()) return;
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
      try {
        this.onDrain?.();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    });
  }

  /** Resolves at the next emptying, or at once when the pool is empty and no emptying is being announced. */
  wait(): Promise<void> {
    if (this.isEmpty() && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** `pool.stats()`: `waiting` calls wait for capacity; requests held in slot backlogs are pending too. */
export function poolStats(slots: readonly WorkerSlot[], waiting: number): PoolStats {
  const workers = slots.map((slot) => ({
    index: slot.index,
    busy: slot.inFlight > 0,
    active: slot.inFlight - slot.held,
    tasksDone: slot.tasksDone,
    utilization: slot.utilization,
  }));
  const busyWorkers = workers.filter((w) => w.busy).length;
  return {
    totalWorkers: workers.length,
    busyWorkers,
    idleWorkers: workers.length - busyWorkers,
    pendingTasks: waiting + slots.reduce((n, slot) => n + slot.held, 0),
    activeTasks: workers.reduce((n, w) => n + w.active, 0),
    utilization: workers.length === 0 ? 0 : workers.reduce((n, w) => n + w.utilization, 0) / workers.length,
    workers,
  };
}
