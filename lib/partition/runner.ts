/**
 * The class a partition pool's workers hold: it imports the partitioned function from its module (functions
 * cannot travel between threads or processes; Eidolon has the same rule: the target must exist at module scope)
 * and calls it with the worker's PartitionProcess and its arguments.
 */
import type { Communicator } from '../collectives/comm.ts';
import { PartitionProcess } from './process.ts';

/** Where the partitioned function lives. */
export interface FunctionRef {
  module: string;
  name: string;
}

export interface PartJob {
  total: number;
  start: number;
  end: number;
}

const loaded = new Map<string, Promise<Record<string, unknown>>>();

export async function loadFunction(ref: FunctionRef): Promise<(...args: any[]) => unknown> {
  let exports = loaded.get(ref.module);
  if (!exports) loaded.set(ref.module, (exports = import(ref.module) as Promise<Record<string, unknown>>));
  const fn = (await exports)[ref.name];
  if (typeof fn !== 'function') {
    throw new TypeError(`${ref.module} has no exported function "${ref.name}" (it is ${fn === undefined ? 'missing' : typeof fn}); partitioned functions must be exported from their module`);
  }
  return fn as (...args: any[]) => unknown;
}

export class PartitionRunner {
  async run(comm: Communicator, ref: FunctionRef, job: PartJob, args: unknown[]): Promise<unknown> {
    const fn = await loadFunction(ref);
    const proc = new PartitionProcess(comm.rank, comm.size, job.total, job.start, job.end, comm);
    return fn(proc, ...args);
  }
}
