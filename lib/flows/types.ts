/**
 * What every flow member is: something that starts, turns one input into one output (asynchronously), and stops.
 * Flows are specifications first (like mpservice's servlets): nothing runs until `start()`, which a Server calls.
 */

/**
 * Per-item context handed down a flow: the caller's cancellation (a Server aborts it when a call times out).
 *
 * @example
 * const controller = new AbortController();
 * const y = await flow.run(x, { signal: controller.signal });
 */
export interface RunContext {
  /**
   * Aborted when the caller no longer wants the result. Compositions check it between members, so later stages
   * are skipped; work already running in a worker is never interrupted by it (see docs/flows.md).
   */
  signal?: AbortSignal;
}

/**
 * A snapshot of a flow member for debugging: its kind, its counters, and its members.
 *
 * @example
 * const d = flow.describe();
 * console.log(d.type, d.inFlight, d.members?.map((m) => `${m.name}: ${m.done} done`));
 */
export interface FlowDescription {
  /** 'sequential', 'ensemble', 'switch', 'worker', 'pool', 'function' or 'pass-through'. */
  type: string;
  name: string;
  /** Items inside this member right now. */
  inFlight: number;
  /** Items that left this member with a result. */
  done: number;
  /** Items that left this member with an error. */
  failed: number;
  /** Worker stages: items waiting in a micro-batch that has not been sent yet. */
  batching?: number;
  members?: FlowDescription[];
}

/**
 * A flow member. Build them with `sequential`, `ensemble`, `switchFlow`, `workerStage`, `poolStage`,
 * `functionStage` and `passThrough`; a plain function is accepted wherever a member is expected.
 *
 * @example
 * const flow: Flow<string, string> = sequential((s: string) => s.toUpperCase(), passThrough);
 * await flow.start();
 * console.log(await flow.run('hi')); // 'HI'
 * await flow.stop();
 */
export interface Flow<I = any, O = any> {
  readonly name: string;
  /** Starts the member and everything in it (creates worker pools). Idempotent. */
  start(): Promise<void>;
  /** Stops it (closes the pools it created). Idempotent. */
  stop(): Promise<void>;
  /** Runs one input through the member. Requires `start()` first for worker stages. */
  run(input: I, context?: RunContext): Promise<O>;
  /** A snapshot of the member's counters, for a debug view. */
  describe(): FlowDescription;
}

/**
 * Anything usable as a flow member: a Flow, or a plain function (an in-thread stage).
 *
 * @example
 * const members: Member[] = [workerStage(GetLen, { module }), (n: number) => n * 2];
 */
export type Member<I = any, O = any> = Flow<I, O> | ((input: I) => O | Promise<O>);

/** Counters shared by every member type. */
export class Counters {
  inFlight = 0;
  done = 0;
  failed = 0;

  /** Counts an item through `work` (success or failure) and hands back its promise. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      const value = await work();
      this.done++;
      return value;
    } catch (error) {
      this.failed++;
      throw error;
    } finally {
      this.inFlight--;
    }
  }
}

/** Rejects with the signal's reason when the caller already gave up: later members are skipped. */
export function throwIfAborted(context: RunContext | undefined): void {
  context?.signal?.throwIfAborted();
}
