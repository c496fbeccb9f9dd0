/**
 * What a map or stream task knows about itself: its index in the call, its own seed and random stream, and a
 * signal that aborts when nobody waits for it any more. Like workerContext, the current task lives on globalThis
 * under a registered symbol, so user code importing another copy of the package still finds it.
 */
import { TaskRng, taskSeed } from './philox.ts';

export interface TaskContext {
  /** This task's index in its call: the position of its arguments in the map's or stream's input. */
  readonly index: number;
  /** A 32-bit seed that is a pure function of (pool seed, call key, index); see docs/design.md. */
  readonly seed: number;
  /**
   * This task's own random stream (Philox4x32-10 keyed by pool seed and call key, counter by index): the same
   * numbers on any number of workers, any kind, any chunking, and after retries or respawns.
   */
  readonly rng: TaskRng;
  /** The call's key (assigned in submission order, or pinned with `pool.with({ key })`). */
  readonly key: number;
  /** Aborts when the call times out, is aborted, or its stream is abandoned: check it in long cooperative tasks. */
  readonly signal: AbortSignal;
}

/** The runtime's mutable record of the running task; a TaskContext is made from it only when asked for. */
export interface TaskSlot {
  poolSeed: number;
  key: number;
  index: number;
  signal: () => AbortSignal;
  context: TaskContext | undefined;
}

const CURRENT_TASK = Symbol.for('objectproxypool.currentTask');
type Holder = { [CURRENT_TASK]?: TaskSlot };

/** Sets the current task and returns the previous one (restore it with the same function when the call returns). */
export function swapTask(slot: TaskSlot | undefined): TaskSlot | undefined {
  const holder = globalThis as Holder;
  const previous = holder[CURRENT_TASK];
  holder[CURRENT_TASK] = slot;
  return previous;
}

/**
 * The context of the map or stream task being run. Call it synchronously at the start of the method (before any
 * `await`): several tasks can be in progress in one worker, and after an `await` another may be current. The
 * same task gets the same object (and so one stream) however often it asks.
 *
 * @example
 * class Sim { run(steps: number) { const { rng } = taskContext(); let x = 0; for (let i = 0; i < steps; i++) x += rng.normal(); return x; } }
 */
export function taskContext(): TaskContext {
  const slot = (globalThis as Holder)[CURRENT_TASK];
  if (!slot) {
    throw new Error('taskContext() is only available inside a pool worker while a map or stream task runs (call it before the first await)');
  }
  if (!slot.context) {
    const { poolSeed, key, index } = slot;
    let rng: TaskRng | undefined;
    let seed: number | undefined;
    const signalOf = slot.signal;
    slot.context = Object.freeze({
      index,
      key,
      get seed() {
        return (seed ??= taskSeed(poolSeed, key, index));
      },
      get rng() {
        return (rng ??= new TaskRng(poolSeed, key, index));
      },
      get signal() {
        return signalOf();
      },
    });
  }
  return slot.context;
}
