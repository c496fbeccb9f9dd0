/**
 * A worker's queue of received requests, so that a cancelled task that has not started never starts (issue 17).
 *
 * Two things stood between a cancel and the task it cancels. (1) Order: a worker busy in a long synchronous task
 * reads nothing; when it is free, the task's request and its cancel are both waiting, the request first, so the
 * task ran before the cancel was read. Here a cancel acts when it is *received*, on every request received before
 * it and not yet started, even one of the same batch. (2) Arrival: the cancel may still sit unread in the channel
 * (a process's pipe, a port's queue) — or not be sent yet, when the host shares this thread (kind inline) and its
 * timers could not fire while the task ran. So after a synchronous stretch of YIELD_AFTER_MS or more, the worker
 * gives the event loop one full turn (timers, I/O, then check) before it starts the next request or the next task
 * of a chunk; requests received meanwhile wait behind, so the order of work on a worker is unchanged.
 *
 * Cost: nothing for requests that arrive while the worker is idle; after long tasks, one turn of the event loop
 * (tens of µs) per YIELD_AFTER_MS of work, under 1%.
 */
import { Op, type Request } from '../protocol/messages.ts';

/** Synchronous work after which the worker lets pending messages and timers in before starting more. */
export const YIELD_AFTER_MS = 4;

// setImmediate where there is one (Node); a timer in browsers, whose workers have none.
const later: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

export class Inbox {
  /** Ids of requests cancelled before they ended: queued ones are skipped, running chunks stop between tasks. */
  readonly cancelled = new Set<number>();
  private queue: Request[] = [];
  private head = 0;
  /**
   * The highest request id started so far. The host numbers a worker's requests in the order it sends them, so a
   * cancel for a higher id is for one received and not yet started.
   */
  private lastStarted = 0;
  private paused = false;
  /** When the current synchronous stretch began (Date.now()); cleared once the event loop has turned. */
  private stretchStart: number | undefined;
  private readonly endStretch = () => {
    this.stretchStart = undefined;
  };

  constructor(
    /** Starts one request. */
    private readonly handle: (request: Request) => void,
    /** Whether the chunk with this id is running (a cancel then stops its remaining tasks). */
    private readonly isRunning: (id: number) => boolean,
    /** Runs `fn` as the handling of one message (answers gathered and sent at its end). */
    private readonly asMessage: (fn: () => void) => void,
    /**
     * Start work a microtask after a message arrives rather than at once. For a child process: Node emits each
     * message read from the IPC pipe in its own process.nextTick, all before any microtask, so a cancel read
     * together with the requests it cancels is received before any of them starts.
     */
    private readonly deferStart = false,
  ) {}

  receive(message: Request | Request[]): void {
    if (typeof message[0] === 'number') this.take(message as Request);
    else for (const request of message as Request[]) this.take(request);
    if (this.paused) return;
    if (!this.deferStart) this.pump();
    else if (!this.pumpScheduled) {
      this.pumpScheduled = true;
      queueMicrotask(this.deferredPump);
    }
  }

  private pumpScheduled = false;
  private readonly deferredPump = () => {
    this.pumpScheduled = false;
    if (!this.paused) this.asMessage(() => this.pump());
  };

  /**
   * Call as request `id` starts: whether it was cancelled before it started (then skip it). Either way it counts
   * as started from now on.
   */
  withdrawn(id: number): boolean {
    if (id > this.lastStarted) this.lastStarted = id;
    return this.cancelled.size > 0 && this.cancelled.delete(id);
  }

  /**
   * Between two tasks of a chunk: after a long synchronous stretch, a promise of one turn of the event loop (new
   * requests wait behind the chunk meanwhile); otherwise undefined, at the cost of one clock read.
   */
  breather(): Promise<void> | undefined {
    if (this.paused || !this.longStretch()) return undefined;
    return this.pause();
  }

  private take(request: Request): void {
    if (request[0] === Op.Cancel) {
      const id = request[1];
      if (id > this.lastStarted || this.isRunning(id)) this.cancelled.add(id);
      return;
    }
    this.queue.push(request);
  }

  private pump(): void {
    while (this.head < this.queue.length) {
      if (this.paused) return;
      if (this.longStretch()) {
        this.pause();
        return;
      }
      const request = this.queue[this.head]!;
      this.queue[this.head++] = undefined as never;
      this.handle(request);
    }
    this.queue.length = 0;
    this.head = 0;
  }

  private longStretch(): boolean {
    if (this.stretchStart === undefined) {
      this.stretchStart = Date.now();
      later(this.endStretch);
      return false;
    }
    return Date.now() - this.stretchStart >= YIELD_AFTER_MS;
  }

  /**
   * One full turn of the event loop: an immediate scheduled from the check phase runs in the next turn's check
   * phase, after its timers (the host's timeouts, for kind inline) and its I/O (messages still in the channel).
   */
  private pause(): Promise<void> {
    this.paused = true;
    return new Promise((resolve) => {
      later(() =>
        later(() => {
          this.paused = false;
          this.stretchStart = undefined;
          resolve();
          // After whatever resumes on this promise has run its synchronous part: start what waited.
          queueMicrotask(() => this.asMessage(() => this.pump()));
        }),
      );
    });
  }
}
