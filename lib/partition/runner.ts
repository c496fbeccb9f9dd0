/**
 * The class a partition pool's workers hold: it imports the partitioned function from its module (functions
 * cannot travel between threads or processes; Eidolon has the same rule: the target must exist at module scope)
 * and calls it with the worker's PartitionProcess and its arguments.
 */
import type { Communicator } from '../collectives/comm.ts';
import { PartitionProcess } from './process.ts';
import { loadFunction, type FunctionRef } from './function-ref.ts';

export interface PartJob {
  total: number;
  start: number;
  end: number;
}

export class PartitionRunner {
  async run(comm: Communicator, ref: FunctionRef, job: PartJob, args: unknown[]): Promise<unknown> {
    const fn = await loadFunction(ref);
    const proc = new PartitionProcess(comm.rank, comm.size, job.total, job.start, job.end, comm);
    try {
      return await fn(proc, ...args);
    } finally {
      // Before the call's answer leaves: the host hears the last count before the job resolves.
      proc.flushProgress();
    }
  }
}
