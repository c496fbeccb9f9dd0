/**
 * Compositions (mpservice's SequentialServlet, EnsembleServlet, SwitchServlet): each is itself a Flow, so they
 * nest freely; start/stop reach every member.
 */
import { ArgumentError } from '../protocol/errors.ts';
import { functionStage } from './stages.ts';
import { Counters, throwIfAborted, type Flow, type FlowDescription, type Member, type RunContext } from './types.ts';

/**
 * A Flow as is; a plain function as an in-thread stage.
 *
 * @example
 * const f = toFlow((x: number) => x + 1);
 * await f.run(1); // 2
 */
export function toFlow<I, O>(member: Member<I, O>): Flow<I, O> {
  if (typeof member === 'function') return functionStage(member) as Flow<I, O>;
  if (member && typeof member === 'object' && typeof member.run === 'function' && typeof member.start === 'function') return member;
  throw new ArgumentError(`a flow member must be a Flow (sequential, ensemble, workerStage, ...) or a function, got ${member === null ? 'null' : typeof member}`);
}

/** Starts every member; if one fails to start, stops those that did and rethrows. */
async function startAll(members: readonly Flow[]): Promise<void> {
  const results = await Promise.allSettled(members.map((m) => m.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(members.map((m) => m.stop()));
    throw failed.reason;
  }
}

async function stopAll(members: readonly Flow[]): Promise<void> {
  const results = await Promise.allSettled(members.map((m) => m.stop()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

abstract class Composite implements Flow {
  /** @internal */
  protected readonly counters = new Counters();
  readonly members: readonly Flow[];

  constructor(readonly name: string, members: readonly Member[], protected readonly type: string) {
    if (!Array.isArray(members)) throw new ArgumentError(`${type} expects an array of members, got ${members === null ? 'null' : typeof members}`);
    if (members.length === 0) throw new ArgumentError(`${type} needs at least one member`);
    this.members = members.map(toFlow);
  }

  start(): Promise<void> {
    return startAll(this.members);
  }

  stop(): Promise<void> {
    return stopAll(this.members);
  }

  run(input: any, context?: RunContext): Promise<any> {
    return this.counters.track(() => this.runItem(input, context));
  }

  protected abstract runItem(input: unknown, context?: RunContext): Promise<unknown>;

  describe(): FlowDescription {
    const { inFlight, done, failed } = this.counters;
    return { type: this.type, name: this.name, inFlight, done, failed, members: this.members.map((m) => m.describe()) };
  }
}

/**
 * Members one after the other: the output of each is the input of the next. If the caller's signal aborts (a
 * Server's timeout), the members not yet reached are skipped.
 *
 * @example
 * const flow = sequential(ensemble([head, tail, len]), ([h, t, n]: [string, string, number]) => (h + t).repeat(n), solute);
 */
export function sequential(...members: Member[]): Flow {
  return new Sequential(members);
}

class Sequential extends Composite {
  constructor(members: readonly Member[]) {
    super('sequential', members, 'sequential');
  }

  protected async runItem(input: unknown, context?: RunContext): Promise<unknown> {
    let value = input;
    for (const member of this.members) {
      throwIfAborted(context);
      value = await member.run(value, context);
    }
    return value;
  }
}

/**
 * Options of an ensemble.
 *
 * @example
 * const tolerant = ensemble([a, b], { failFast: false, name: 'features' });
 */
export interface EnsembleOptions {
  /**
   * true (default): the first member error rejects the item at once. false: wait for every member and return
   * its Error object in that member's place.
   */
  failFast?: boolean;
  name?: string;
}

/**
 * Every member gets the same input, concurrently; the results come back as an array in member order.
 *
 * @example
 * const stats = ensemble([workerStage(GetHead, opts), workerStage(GetTail, opts), workerStage(GetLen, opts)]);
 * // 'world' → ['w', 'd', 5]
 */
export function ensemble(members: readonly Member[], options: EnsembleOptions = {}): Flow<any, any[]> {
  return new Ensemble(members, options) as Flow<any, any[]>;
}

class Ensemble extends Composite {
  private readonly failFast: boolean;

  constructor(members: readonly Member[], options: EnsembleOptions) {
    if (options === null || typeof options !== 'object') throw new ArgumentError(`ensemble: options must be an object, got ${options === null ? 'null' : typeof options}`);
    super(options.name ?? 'ensemble', members, 'ensemble');
    this.failFast = options.failFast ?? true;
  }

  protected async runItem(input: unknown, context?: RunContext): Promise<unknown[]> {
    throwIfAborted(context);
    const runs = this.members.map((m) => m.run(input, context));
    if (this.failFast) return Promise.all(runs);
    const settled = await Promise.allSettled(runs);
    return settled.map((r) => (r.status === 'fulfilled' ? r.value : r.reason instanceof Error ? r.reason : new Error(String(r.reason), { cause: r.reason })));
  }
}

/**
 * Routes each input to exactly one member: `route(input)` returns the member's index.
 *
 * @example
 * const byType = switchFlow((x: unknown) => (typeof x === 'number' ? 0 : 1), [(n: number) => n * 2, (s: string) => s + s]);
 */
export function switchFlow<I>(route: (input: I) => number, members: readonly Member[], name = 'switch'): Flow<I> {
  return new Switch(route as (input: unknown) => number, members, name);
}

class Switch extends Composite {
  constructor(private readonly route: (input: unknown) => number, members: readonly Member[], name: string) {
    super(name, members, 'switch');
    if (typeof route !== 'function') throw new ArgumentError('switchFlow expects a route function (input) => member index');
  }

  protected async runItem(input: unknown, context?: RunContext): Promise<unknown> {
    throwIfAborted(context);
    const index = this.route(input);
    const member = Number.isInteger(index) ? this.members[index] : undefined;
    if (!member) throw new RangeError(`${this.name}: route returned ${String(index)}; expected an integer in [0, ${this.members.length})`);
    return member.run(input, context);
  }
}
