/**
 * A worker's queue of received requests, so that a cancelled task that has not started never starts (issue 17).
 *
 * Two things stood between a cancel and the task it cancels. (1) Order: a worker busy in a long synchronous task
 * reads nothing; when it is free, the task's request and its cancel are both waiting, the request first, so the
 * task ran before the cancel was read. Here a cancel acts when it is *received*, on every request received before
 * it and not yet started, even one of the same batch. (2) Arrival: the cancel may still be on its way (a process's
 * pipe is read 64 KB at a time) — or not even sent, when the host shares this thread (kind inline) and its timers
 * could not fire while the task ran. So after a synchronous stretch of YIELD_AFTER_MS or more, the worker asks the
 * host for a barrier and starts nothing more (no request, no further task of a chunk) until the host's answer
 * arrives: every cancel the host sent before answering arrives first. Requests received meanwhile wait behind, so
 * the order of work on a worker is unchanged.
 *
 * Cost: nothing for requests that arrive while the worker is idle; after long tasks, one round trip to the host
 * (~100 µs for a process) per YIELD_AFTER_MS of synchronous work: at most 1%.
 *
 * A thread needs no round trip: the host's postMessage puts a cancel in the port's queue at once, so taking
 * everything queued (receiveMessageOnPort, the endpoint's `drain`) receives every cancel sent so far. A thread
 * takes everything queued whenever a message arrives, too, so a worker that was merely slow to be scheduled (not
 * busy) also sees a cancel queued behind the request it cancels. The round
 * trip cost more than it seemed: its answer waits for whatever the host is doing, and a host that has just
 * allocated a large array is often in a full GC (bench S4b: 4.5 ms between a 64 MB transfer's post and the method's
 * start, 0.4 ms for a bare worker; with the drain, the same as the bare worker).
 */
import { Op, type Request } from '../protocol/messages.ts';

/** Synchronous work after which the worker waits for a barrier before starting more. */
export const YIELD_AFTER_MS = 10;


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
  /**
   * A long stretch ended without a pause: the next request waits for one. Data sent while the worker was busy may
   * take more than one read to arrive (a process's pipe is read 64 KB at a time, each read's messages handled before
   * the next read), so an idle turn of the loop between the end of a long task and the next request proves nothing.
   */
  private owesPause = false;
  private readonly endStretch = () => {
    if (this.stretchStart !== undefined && Date.now() - this.stretchStart >= YIELD_AFTER_MS) this.owesPause = true;
    this.stretchStart = undefined;
  };

  constructor(
    /** Starts one request. */
    private readonly handle: (request: Request) => void,
    /** Whether the chunk with this id is running (a cancel then stops its remaining tasks). */
    private readonly isRunning: (id: number) => boolean,
    /** Runs `fn` as the handling of one message (answers gathered and sent at its end). */
    private readonly asMessage: (fn: () => void) => void,
    /** Asks the host for a barrier (Status.Up topic 'barrier'); settles once the host's answer is received. */
    private readonly barrier: () => Promise<unknown>,
    /**
     * Start work a microtask after a message arrives rather than at once. For a child process: Node emits each
     * message read from the IPC pipe in its own process.nextTick, all before any microtask, so a cancel read
     * together with the requests it cancels is received before any of them starts.
     */
    private readonly deferStart = false,
    /** Hears each cancel as it arrives (the runtime aborts the running task's taskContext().signal). */
    private readonly onCancel?: (request: Request) => void,
    /**
     * Hands every message already queued for this worker to `take`, synchronously (a thread: receiveMessageOnPort).
     * Where there is one, a long stretch ends with a drain instead of a barrier round trip.
     */
    private readonly drain?: (take: (message: Request | Request[]) => void) => void,
  ) {}

  receive(message: Request | Request[]): void {
    this.takeAll(message);
    // Whatever else is already queued is taken too before anything starts: a worker that lagged (not scheduled, on
    // a loaded machine) finds requests and the cancels sent after them queued together, and started the requests
    // as it read them (the cancel spec failed so under load). ~35 ns when the queue is empty.
    this.drain?.(this.takeAll);
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
   * Between two tasks of a chunk: after a long synchronous stretch, a promise of the host's barrier (new requests
   * wait behind the chunk meanwhile); otherwise undefined, at the cost of one clock read.
   */
  breather(): Promise<void> | undefined {
    if (this.paused || !this.longStretch() || this.drained()) return undefined;
    return this.pause();
  }

  private readonly takeAll = (message: Request | Request[]): void => {
    if (typeof message[0] === 'number') this.take(message as Request);
    else for (const request of message as Request[]) this.take(request);
  };

  private take(request: Request): void {
    // Answers to the worker's own requests (the barrier among them) are not work: never held back.
    if (request[0] === Op.Reply) {
      this.handle(request);
      return;
    }
    if (request[0] === Op.Cancel) {
      const id = request[1];
      // Ids usually rise in send order, but a request may be sent after one with a higher id (held on the host by
      // a concurrency limit or a start-timed call): one still waiting here is withdrawn whatever its id.
      if (id > this.lastStarted || this.isRunning(id) || this.waiting(id)) this.cancelled.add(id);
      this.onCancel?.(request);
      return;
    }
    this.queue.push(request);
  }

  /** Whether request `id` is received and not started yet. */
  private waiting(id: number): boolean {
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]![1] === id) return true;
    return false;
  }

  private pump(): void {
    while (this.head < this.queue.length) {
      if (this.paused) return;
      if (this.longStretch() && !this.drained()) {
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
    if (this.owesPause) return true;
    if (this.stretchStart === undefined) {
      this.stretchStart = Date.now();
      later(this.endStretch);
      return false;
    }
    return Date.now() - this.stretchStart >= YIELD_AFTER_MS;
  }

  /**
   * After a long stretch, where the endpoint can drain: every message queued so far is taken (cancels included),
   * which is all a barrier would have waited for. Returns false where there is no drain (pause instead).
   */
  private drained(): boolean {
    if (!this.drain) return false;
    this.drain(this.takeAll);
    this.owesPause = false;
    // A new stretch starts now, not at the next request: the request about to start may itself be long (a drain
    // before it took the request behind it, which must not then start unchecked).
    this.stretchStart = undefined;
    this.longStretch();
    return true;
  }

  /**
   * Hold new work until the host has answered a barrier: the host answers once it has read the barrier, so every
   * cancel it decided before then (all it could have decided while this worker was busy) is ahead of the answer in
   * the channel, and received first. (For kind inline the host answers after its due timers have fired: they could
   * not fire while the worker held the thread.) Cost: one round trip per YIELD_AFTER_MS of synchronous work.
   */
  private pause(): Promise<void> {
    this.paused = true;
    const resume = () => {
      this.paused = false;
      this.owesPause = false;
      this.stretchStart = undefined;
      // After whatever resumes on this promise has run its synchronous part: start what waited.
      queueMicrotask(() => this.asMessage(() => this.pump()));
    };
    return this.barrier().then(resume, resume);
  }

}
