/**
 * The host side of a pool: its workers, its calls in flight and its life cycle (create → open → closing → closed).
 * `proxy.ts` puts the typed face on it; this file knows nothing about the user's class beyond method names.
 */
import { Op, Status, type InitPayload, type Response } from '../protocol/messages.ts';
import { encodeArgs } from '../protocol/value-codec.ts';
import { deriveSeed } from '../runtime/context.ts';
import type { WorkerKind } from '../workers/worker-kind.ts';
import { threadKind } from '../workers/thread.ts';
import { inlineKind } from '../workers/inline.ts';
import { processKind } from '../workers/process.ts';
import { ArgumentError, PoolClosedError, UnknownMethodError, WorkerExitedError } from './errors.ts';
import { Job } from './job.ts';
import { broadcast, broadcastField, dedicated, dynamicMap, remoteError, synchronized } from './dispatch.ts';
import { zipArgs } from './map-args.ts';
import type { ResolvedOptions } from './options.ts';
import type { CallOptions, CloseOptions, PoolInfo } from './types.ts';
import { WorkerSlot } from './worker-slot.ts';

const kinds: Record<string, WorkerKind> = { thread: threadKind, process: processKind, inline: inlineKind };

/** Names that can never be called remotely: they would confuse promises, prototypes or the proxy itself. */
export const UNCALLABLE = new Set(['then', 'constructor', '__proto__', 'prototype']);

/** How long a worker may take to dispose its instance on close before it is ended anyway. */
const CLOSE_GRACE_MS = 5000;

export class PoolCore {
  readonly slots: WorkerSlot[] = [];
  private idCounter = 0;
  private readonly jobs = new Set<Job>();
  private methodNames = new Set<string>();
  state: PoolInfo['state'] = 'open';
  private closing: Promise<void> | undefined;

  private constructor(
    readonly options: ResolvedOptions,
    private readonly Class: new (...args: any[]) => object,
  ) {}

  static async create(Class: new (...args: any[]) => object, options: ResolvedOptions): Promise<PoolCore> {
    const core = new PoolCore(options, Class);
    await core.start();
    return core;
  }

  nextId = (): number => ++this.idCounter;

  get methods(): ReadonlySet<string> {
    return this.methodNames;
  }

  private async start(): Promise<void> {
    const kind = kinds[this.options.kind]!;
    const { workers } = this.options;
    try {
      for (let index = 0; index < workers; index++) {
        const channel = kind.spawn({ index, module: this.options.module, Class: this.Class, factory: this.options.worker });
        this.slots.push(new WorkerSlot(index, channel, this.onBusyChange, this.onWorkerExit));
      }
      const ready = this.slots.map((slot) => this.initialize(slot));
      // Reject as soon as one constructor fails: no reason to wait for the others.
      const names = await Promise.all(ready);
      this.methodNames = new Set(names[0]);
    } catch (error) {
      this.state = 'closed';
      await Promise.allSettled(this.slots.map((slot) => this.endWorker(slot)));
      throw error;
    }
  }

  private initialize(slot: WorkerSlot): Promise<string[]> {
    const { options } = this;
    const args = encodeArgs(options.argsFor(slot.index));
    const payload: InitPayload = {
      module: options.kind === 'inline' ? undefined : options.module,
      exportName: options.exportName,
      args: args.args,
      argsHaveHandles: args.found,
      context: { index: slot.index, count: options.workers, seed: deriveSeed(options.seed, slot.index), kind: options.kind },
    };
    return new Promise((resolve, reject) => {
      slot.send([Op.Init, payload], 0, {
        method: 'constructor',
        settle(response: Response) {
          if (response[1] === Status.Ready) resolve(response[2]);
          else if (response[1] === Status.Err) reject(remoteError(response[2], slot.index, 'constructor'));
        },
        fail: reject,
      });
    });
  }

  private onBusyChange = (slot: WorkerSlot, busy: boolean): void => {
    // Idle workers do not keep the process alive: a script that forgets close() still ends.
    slot.channel.setKeepAlive(busy);
  };

  private onWorkerExit = (slot: WorkerSlot, info: { code?: number; error?: unknown }): void => {
    const cause = info.error;
    slot.exitError = new WorkerExitedError(slot.index, undefined, info.code, cause);
    slot.die((method) => new WorkerExitedError(slot.index, method, info.code, cause));
  };

  private check(method: string, what: 'call' | 'field'): void {
    if (this.state !== 'open') throw new PoolClosedError(`cannot ${what === 'call' ? `call ${method}` : `access field ${method}`}`);
    if (what === 'call') {
      if (UNCALLABLE.has(method)) throw new ArgumentError(`"${method}" is reserved and cannot be called on pool workers`);
      if (!this.methodNames.has(method)) throw new UnknownMethodError(method, [...this.methodNames]);
    }
  }

  private newJob(method: string, taskCount: number, options: CallOptions): Job {
    const job = new Job(method, taskCount, options, (ended) => this.jobs.delete(ended));
    if (!job.done) this.jobs.add(job);
    return job;
  }

  /** Every worker, once, with the same arguments. */
  broadcast(method: string, args: unknown[], options: CallOptions): Promise<unknown[]> {
    this.check(method, 'call');
    const job = this.newJob(method, this.slots.length, options);
    if (!job.done) broadcast(this, job, method, args);
    return job.promise;
  }

  /** One task per element of the zipped iterables, distributed according to the pool's and the call's mode. */
  map(method: string, iterables: unknown[], options: CallOptions): Promise<unknown[]> {
    this.check(method, 'call');
    const width = this.slots.length;
    const tuples = zipArgs(iterables, options.strict ?? false, this.options.dedicated ? width : undefined);
    if (this.options.dedicated && tuples.length !== width) {
      throw new ArgumentError(`${method}: a dedicated pool of ${width} workers needs exactly ${width} tasks per map call, got ${tuples.length}`);
    }
    const chunkSize = options.chunkSize ?? Math.max(1, Math.ceil(tuples.length / (4 * width)));
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new ArgumentError(`chunkSize must be a positive integer, got ${chunkSize}`);
    const job = this.newJob(method, tuples.length, options);
    if (job.done) return job.promise;
    if (this.options.dedicated) dedicated(this, job, method, tuples);
    else if (options.synchronize) synchronized(this, job, method, tuples);
    else dynamicMap(this, job, method, tuples, chunkSize);
    return job.promise;
  }

  getField(field: string, options: CallOptions): Promise<unknown[]> {
    this.check(field, 'field');
    const job = this.newJob(field, this.slots.length, options);
    if (!job.done) broadcastField(this, job, Op.Get, field);
    return job.promise;
  }

  async setField(field: string, value: unknown, options: CallOptions): Promise<void> {
    this.check(field, 'field');
    const job = this.newJob(field, this.slots.length, options);
    if (!job.done) broadcastField(this, job, Op.Set, field, value);
    await job.promise;
  }

  async setFieldEach(field: string, values: Iterable<unknown>, options: CallOptions): Promise<void> {
    this.check(field, 'field');
    const tuples = zipArgs([values], true);
    if (tuples.length !== this.slots.length) {
      throw new ArgumentError(`fields.setEach("${field}") needs exactly ${this.slots.length} values (one per worker), got ${tuples.length}`);
    }
    const job = this.newJob(field, tuples.length, options);
    if (!job.done) dedicated(this, job, field, tuples, Op.Set);
    await job.promise;
  }

  info(): PoolInfo {
    return {
      size: this.slots.length,
      kind: this.options.kind,
      seed: this.options.seed,
      dedicated: this.options.dedicated,
      alive: this.slots.filter((slot) => slot.alive).length,
      tasksDone: this.slots.map((slot) => slot.tasksDone),
      state: this.state,
    };
  }

  close(options: CloseOptions = {}): Promise<void> {
    if (this.closing) {
      if (options.force) this.failAll();
      return this.closing;
    }
    this.state = 'closing';
    this.closing = (async () => {
      if (options.force) this.failAll();
      await Promise.allSettled([...this.jobs].map((job) => job.promise));
      const outcomes = await Promise.allSettled(this.slots.map((slot) => this.disposeAndEnd(slot)));
      this.state = 'closed';
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failure) throw failure.reason;
    })();
    return this.closing;
  }

  private failAll(): void {
    for (const job of [...this.jobs]) job.fail(new PoolClosedError(`${job.method} was cancelled by close({ force: true })`));
  }

  /** Let the instance dispose itself (bounded), then end the worker whatever happened. */
  private async disposeAndEnd(slot: WorkerSlot): Promise<void> {
    try {
      if (slot.alive) {
        await new Promise<void>((resolve, reject) => {
          const id = this.nextId();
          const timer = setTimeout(resolve, CLOSE_GRACE_MS);
          slot.send([Op.Close, id], id, {
            method: 'dispose',
            settle(response: Response) {
              clearTimeout(timer);
              if (response[1] === Status.Err) reject(remoteError(response[2], slot.index, 'Symbol.asyncDispose'));
              else resolve();
            },
            fail() {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      }
    } finally {
      await this.endWorker(slot);
    }
  }

  private async endWorker(slot: WorkerSlot): Promise<void> {
    slot.die((method) => new PoolClosedError(`${method} was interrupted`));
    await slot.channel.terminate();
  }
}
