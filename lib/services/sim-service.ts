/**
 * SimService's simulation-service base class, run inside a worker: the run / init / start / step / finish / stop
 * life cycle with its status and current step, and `insideRun` — a function run in the worker with the instance,
 * so a whole control loop runs there without a round trip per step.
 */
import { loadFunction, type FunctionRef } from '../partition/function-ref.ts';
import { findServiceFunction, serviceFunctionNames } from '../runtime/service-functions.ts';
import { inWorker, workerContext, type WorkerContext } from '../runtime/context.ts';

/** Where a service is in its life cycle. */
export type ServiceStatus = 'created' | 'running' | 'initialized' | 'started' | 'finished' | 'stopped';

/** What may come before each stage (anything else is a mistake worth an error, not a silent no-op). */
const allowedFrom: Record<'run' | 'init' | 'start' | 'step' | 'finish', readonly ServiceStatus[]> = {
  run: ['created', 'finished', 'stopped'],
  init: ['running'],
  start: ['initialized'],
  step: ['started'],
  finish: ['started'],
};

/**
 * Base class of a simulation service. Override the hooks you need (`onRun`, `onInit`, `onStart`, `onStep`,
 * `onFinish`, `onStop`); call the public methods — from the host through a service proxy, or inside the worker
 * from an insideRun function. `onInit`/`onStart` returning `false` mean "not ready, call again": the status does
 * not advance and the call resolves to false.
 *
 * @example
 * export class Heat extends SimService {
 *   grid = new Float64Array(100);
 *   protected override onStep() { diffuse(this.grid); }
 * }
 */
export abstract class SimService {
  /** Current stage. */
  status: ServiceStatus = 'created';
  /** Steps done since the last run(). */
  currentStep = 0;
  private insideRunRef: FunctionRef | undefined;
  private readonly context: WorkerContext | undefined = inWorker() ? workerContext() : undefined;

  protected onRun(): void | Promise<void> {}
  protected onInit(): boolean | void | Promise<boolean | void> {}
  protected onStart(): boolean | void | Promise<boolean | void> {}
  protected onStep(): void | Promise<void> {}
  protected onFinish(): void | Promise<void> {}
  protected onStop(): void | Promise<void> {}

  private require(stage: keyof typeof allowedFrom): void {
    if (!allowedFrom[stage].includes(this.status)) {
      throw new Error(`${stage}() is not allowed when the service is ${this.status}; it needs status ${allowedFrom[stage].join(' or ')}`);
    }
  }

  /**
   * Starts a run: `onRun`, status 'running', step count 0. With an insideRun function set, then runs it with this
   * instance and resolves to its result (the whole control loop, inside the worker).
   */
  async run(): Promise<unknown> {
    this.require('run');
    await this.onRun();
    this.status = 'running';
    this.currentStep = 0;
    if (!this.insideRunRef) return undefined;
    const fn = await loadFunction(this.insideRunRef);
    return fn(this);
  }

  /** `onInit`; resolves to false (status unchanged) when it returned false: call again. */
  async init(): Promise<boolean> {
    this.require('init');
    if ((await this.onInit()) === false) return false;
    this.status = 'initialized';
    return true;
  }

  /** `onStart`; resolves to false (status unchanged) when it returned false: call again. */
  async start(): Promise<boolean> {
    this.require('start');
    if ((await this.onStart()) === false) return false;
    this.status = 'started';
    return true;
  }

  /** One step; resolves to the number of steps done. */
  async step(): Promise<number> {
    this.require('step');
    await this.onStep();
    return ++this.currentStep;
  }

  /** Ends the run normally. */
  async finish(): Promise<void> {
    this.require('finish');
    await this.onFinish();
    this.status = 'finished';
  }

  /** Ends the run early, from any stage but 'created'; a no-op once finished or stopped. */
  async stop(): Promise<void> {
    if (this.status === 'finished' || this.status === 'stopped') return;
    if (this.status === 'created') throw new Error('stop() is not allowed when the service is created; run() it first');
    await this.onStop();
    this.status = 'stopped';
  }

  getStatus(): ServiceStatus {
    return this.status;
  }

  getCurrentStep(): number {
    return this.currentStep;
  }

  /**
   * Sets the function run() runs with this instance (SimService's set_inside_run). It must be exported from its
   * module; pass `{ module: import.meta.url, name: 'myLoop' }` — see `insideRun()` on the host for a checked ref.
   */
  setInsideRun(ref: FunctionRef | null): void {
    if (ref !== null && (typeof ref !== 'object' || typeof ref.module !== 'string' || typeof ref.name !== 'string')) {
      throw new TypeError('setInsideRun expects { module, name } (from insideRun(fn, { module: import.meta.url }) on the host) or null');
    }
    this.insideRunRef = ref ?? undefined;
  }

  /** Calls a service function exposed in this worker, by name (for insideRun functions). */
  callService(name: string, ...args: unknown[]): unknown {
    const fn = findServiceFunction(this.context, name);
    if (!fn) throw new TypeError(`no service function "${name}" is exposed; exposed: ${serviceFunctionNames(this.context).join(', ') || '(none)'}`);
    return fn.apply(this, args);
  }
}
