/**
 * The pool's workers as a group: starting them, constructing instances, noticing deaths, replacing dead workers
 * when respawn is on, terminating stuck ones, and ending them all on close.
 */
import { Op, Status, type InitPayload, type Response } from '../protocol/messages.ts';
import { encodeArgs } from '../protocol/value-codec.ts';
import { deriveSeed } from '../runtime/context.ts';
import type { ExitInfo, WorkerKind } from '../kinds/worker-kind.ts';
import { threadKind } from '../kinds/thread.ts';
import { processKind } from '../kinds/process.ts';
import { inlineKind } from '../kinds/inline.ts';
import { webKind } from '../kinds/web.ts';
import { ArgumentError, PoolClosedError, WorkerExitedError } from '../protocol/errors.ts';
import { remoteError } from './dispatch.ts';
import type { ResolvedOptions } from './options.ts';
import { WorkerSlot } from './worker-slot.ts';
import { SlotTiming } from './metrics.ts';
import { nodeOnlyModule } from '../platform/platform.ts';

const kinds: Record<string, WorkerKind> = { thread: threadKind, process: processKind, inline: inlineKind, web: webKind };

/** What the pool's `onWorkerExit` option hears whenever a worker ends other than by close(). */
export interface WorkerExitEvent {
  workerIndex: number;
  /** 'exit': the worker ended by itself (exit, crash, out of memory, killed); 'terminated': the pool ended it (timeout or abort with `onCancel: 'terminate'`). */
  reason: 'exit' | 'terminated';
  exitCode?: number;
  error?: unknown;
  /** A new instance was started in its place (option `respawn`). */
  respawned: boolean;
}

/**
 * Busy workers keep the event loop alive, idle ones do not (a script that forgets close() still ends). The switch is
 * made at once: a ref() and an unref() cost ~0.07 µs together, where deferring the unref to the end of the turn (as
 * this once did) cost a setImmediate, ~1.8 µs, per call. Between the answer of one call and the next call issued
 * by the awaiting code, no turn of the event loop passes, so the process cannot end there.
 */
function keepAlive(slot: WorkerSlot, busy: boolean): void {
  if (slot.keptAlive === busy) return;
  slot.keptAlive = busy;
  slot.channel.setKeepAlive(busy);
}

/**
 * Node refused the pool's execArgv: a thread Worker throws ERR_WORKER_INVALID_EXEC_ARGV at once (threads take no
 * process-wide flags), a child process prints "bad option" and exits with code 9 before it runs anything.
 */
function refusedExecArgv(error: unknown, options: ResolvedOptions): ArgumentError | undefined {
  if (!options.execArgv?.length) return undefined;
  const code = (error as { code?: unknown })?.code;
  if (code === 'ERR_WORKER_INVALID_EXEC_ARGV') {
    return new ArgumentError(
      `option execArgv: Node refused ${(error as Error).message.replace(/^.*flags: /, '')} for worker threads (they accept no process-wide flags); ` +
        `use kind 'process' for such flags, or resourceLimits for heap sizes`,
      { cause: error },
    );
  }
  if (error instanceof WorkerExitedError && error.exitCode === 9) {
    return new ArgumentError(`option execArgv: Node refused ${JSON.stringify(options.execArgv)} (the worker process exited with code 9, "bad option")`, { cause: error });
  }
  return undefined;
}

/** Streams apart of a slot's successive instances (respawns); see initialize(). */
const RESPAWN_STRIDE = 1 << 16;

export class Workforce {
  readonly slots: WorkerSlot[] = [];
  private kind: WorkerKind & { prepare?(count: number): Promise<void>; close?(): Promise<void> };
  private ending = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly Class: new (...args: any[]) => object,
    private readonly nextId: () => number,
  ) {
    this.kind = kinds[options.kind] ?? kinds.thread!;
  }

  /** Starts every worker and resolves to the class's method names once all instances are constructed. */
  async start(): Promise<string[]> {
    try {
      if (this.options.kind === 'remote') {
        // Loaded only for remote pools: it brings the NATS client, which other pools never need (nor browsers have).
        const remoteKind = nodeOnlyModule('../remote/kind', import.meta.url);
        const { createRemoteKind } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ remoteKind)) as typeof import('../remote/kind.ts');
        this.kind = await createRemoteKind(this.options.remote, this.options.exportName);
        await this.kind.prepare!(this.options.workers);
      }
      for (let index = 0; index < this.options.workers; index++) this.slots.push(this.newSlot(index));
      // Reject as soon as one constructor fails: no reason to wait for the others.
      const names = await Promise.all(this.slots.map((slot) => this.initialize(slot, this.options.workers)));
      return names[0]!;
    } catch (error) {
      await this.endAll();
      throw refusedExecArgv(error, this.options) ?? error;
    }
  }

  private newSlot(index: number): WorkerSlot {
    const slot = new WorkerSlot(index, keepAlive, (s, info) => this.lose(s, info, 'exit'));
    if (this.options.metrics) slot.timing = new SlotTiming();
    slot.limit = this.options.concurrentTasksPerWorker;
    this.spawnInto(slot);
    return slot;
  }

  /** Slots being started by a resize, not yet serving; close() ends them too. */
  private readonly joining = new Set<WorkerSlot>();
  /** Slots a resize took out of service, finishing their calls before they end; close() waits for them. */
  private readonly retiring = new Map<WorkerSlot, Promise<void>>();

  /** Every slot with a worker: serving, joining or retiring. */
  get everySlot(): WorkerSlot[] {
    return [...this.slots, ...this.joining, ...this.retiring.keys()];
  }

  /**
   * Grow to `size` workers: new instances constructed with args(i) and seeded by their index, as if the pool had
   * been created that large. They serve only once all are built; if a constructor throws, they all end and the
   * pool is as it was.
   */
  async grow(size: number): Promise<WorkerSlot[]> {
    const fresh: WorkerSlot[] = [];
    try {
      for (let index = this.slots.length; index < size; index++) {
        const slot = this.newSlot(index);
        fresh.push(slot);
        this.joining.add(slot);
      }
      await Promise.all(fresh.map((slot) => this.initialize(slot, size)));
      if (this.ending) throw new PoolClosedError('resize was interrupted');
    } catch (error) {
      await Promise.allSettled(fresh.map((slot) => this.end(slot)));
      throw this.ending ? new PoolClosedError('resize was interrupted') : error;
    } finally {
      for (const slot of fresh) this.joining.delete(slot);
    }
    this.slots.push(...fresh);
    return fresh;
  }

  /**
   * Shrink to `size` workers: the highest slots stop receiving work at once, finish the requests they have, then
   * dispose their instances (bounded by `graceMs`) and end. Resolves once they are gone.
   */
  async shrink(size: number, graceMs: number): Promise<void> {
    const leaving = this.slots.splice(size);
    for (const slot of leaving) {
      slot.leaving = true;
      this.retiring.set(slot, slot.whenIdle().then(() => this.disposeAndEnd(slot, graceMs)));
    }
    const outcomes = await Promise.allSettled(leaving.map((slot) => this.retiring.get(slot)));
    for (const slot of leaving) this.retiring.delete(slot);
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private spawnInto(slot: WorkerSlot): void {
    const { options } = this;
    slot.attach(
      this.kind.spawn({
        index: slot.index,
        module: options.module,
        Class: this.Class,
        factory: options.worker,
        resourceLimits: options.resourceLimits,
        env: options.env,
        argv: options.argv,
        execArgv: options.execArgv,
      }),
    );
  }

  /** Construct the instance of `slot` in a pool of `count` workers. */
  private initialize(slot: WorkerSlot, count: number): Promise<string[]> {
    const { options } = this;
    const args = encodeArgs(options.argsFor(slot.index));
    // A respawned instance draws a fresh stream, so that its samples never repeat its predecessor's. The stride
    // is fixed (not the pool size) so that a slot a resize adds, seeded by its index, never meets a respawn's stream.
    const streamIndex = slot.index + (slot.generation - 1) * RESPAWN_STRIDE;
    const payload: InitPayload = {
      module: options.module,
      exportName: options.exportName,
      args: args.args,
      argsHaveHandles: args.found,
      source: options.source,
      timing: options.metrics || undefined,
      context: { index: slot.index, count, seed: deriveSeed(options.seed, streamIndex), kind: options.kind },
    };
    return new Promise((resolve, reject) => {
      slot.send([Op.Init, payload], 0, {
        method: 'constructor',
        settle(response: Response) {
          if (response[1] === Status.Ready) {
            slot.ready = true;
            slot.disposable = response[3] !== false;
            slot.onReady?.(slot);
            resolve(response[2]);
          }
          else if (response[1] === Status.Err) reject(remoteError(response[2], slot.index, 'constructor'));
        },
        fail: reject,
      });
    });
  }

  /** A worker is gone. Replace it first (when respawn is on), then fail what was waiting on it, so retries find the replacement. */
  private lose(slot: WorkerSlot, info: ExitInfo, reason: WorkerExitEvent['reason']): void {
    const cause = info.error ?? slot.fatalError;
    // A worker that died by itself while constructing would die again: only replace built or terminated ones.
    const respawn = this.options.respawn && !this.ending && !slot.leaving && (slot.ready || reason === 'terminated');
    const waiting = slot.detach(new WorkerExitedError(slot.index, undefined, info.code, cause));
    if (respawn) this.respawn(slot);
    for (const pending of waiting) pending.fail(new WorkerExitedError(slot.index, pending.method, info.code, cause));
    if (this.ending) return; // workers end by themselves after close() disposed them: not news.
    try {
      this.options.onWorkerExit?.({ workerIndex: slot.index, reason, exitCode: info.code, error: cause, respawned: respawn });
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  private respawn(slot: WorkerSlot): void {
    this.spawnInto(slot);
    const generation = slot.generation;
    this.initialize(slot, this.slots.length).catch((error) => {
      // The replacement's constructor threw: it is alive but useless. End it and leave the slot dead rather
      // than loop. (If it died instead, lose() has already dealt with it.)
      if (slot.generation !== generation || !slot.alive) return;
      const channel = slot.channel;
      for (const pending of slot.detach(new WorkerExitedError(slot.index, undefined, undefined, error))) {
        pending.fail(new WorkerExitedError(slot.index, pending.method, undefined, error));
      }
      void channel.terminate();
    });
  }

  /** End a worker that is stuck in abandoned work (a timed-out or aborted call with `onCancel: 'terminate'`). */
  terminate(slot: WorkerSlot, cause: unknown): void {
    if (!slot.alive) return;
    const channel = slot.channel;
    this.lose(slot, { error: cause }, 'terminated');
    void channel.terminate();
  }

  /**
   * Let each instance dispose itself (bounded by `graceMs`), then end every worker. Rejects with the first dispose
   * error. Workers in `stuck` (still running calls when close() timed out) are ended at once: they cannot answer.
   */
  async close(graceMs: number, stuck?: ReadonlySet<WorkerSlot>): Promise<void> {
    this.ending = true;
    const outcomes = await Promise.allSettled([
      ...this.slots.map((slot) => (stuck?.has(slot) ? this.end(slot) : this.disposeAndEnd(slot, graceMs))),
      // A resize in progress: joining workers have no calls yet; retiring ones end as their resize says, unless stuck.
      ...[...this.joining].map((slot) => this.end(slot)),
      ...[...this.retiring].map(([slot, retired]) => (stuck?.has(slot) ? this.end(slot) : retired)),
    ]);
    await this.kind.close?.();
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private async disposeAndEnd(slot: WorkerSlot, graceMs: number): Promise<void> {
    try {
      // A kind whose workers lose nothing by being ended skips the handshake when there is nothing to dispose.
      if (slot.alive && (slot.disposable || !this.kind.endsCleanly)) {
        await new Promise<void>((resolve, reject) => {
          const id = this.nextId();
          const timer = setTimeout(resolve, graceMs);
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
      await this.end(slot);
    }
  }

  async endAll(): Promise<void> {
    this.ending = true;
    await Promise.allSettled(this.everySlot.map((slot) => this.end(slot)));
    await this.kind.close?.();
  }

  private async end(slot: WorkerSlot): Promise<void> {
    for (const pending of slot.detach(new PoolClosedError('the worker was ended'))) pending.fail(new PoolClosedError(`${pending.method} was interrupted`));
    await slot.channel?.terminate();
  }

  get alive(): number {
    return this.slots.filter((slot) => slot.alive).length;
  }
}
