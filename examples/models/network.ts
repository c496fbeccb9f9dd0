/**
 * The workers of examples/jobs-network.ts: a toy version of BSB's reconstruction pipeline. Job functions are the
 * methods of this JobWorker subclass; `densityTable` is pool-cached (BSB's `@pool_cache`).
 */
import { workerContext } from '../../lib/index.ts';
import { JobWorker, poolCache } from '../../lib/jobs/index.ts';

export class Network extends JobWorker {
  /** How often this worker built the density table (at most once while placement jobs are pending). */
  tableBuilds = 0;

  @poolCache
  densityTable(): number[] {
    this.tableBuilds++;
    return Array.from({ length: 8 }, (_, i) => 10 + i * 5);
  }

  /** Placement of one chunk: how many cells it gets (from the cached table). */
  async place(chunk: number): Promise<{ chunk: number; cells: number; worker: number }> {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return { chunk, cells: this.densityTable()[chunk]!, worker: workerContext(this).index };
  }

  /** Connectivity of a chunk: a deterministic count of synapses. */
  connect(chunk: number, cells: number): { chunk: number; synapses: number } {
    return { chunk, synapses: cells * 3 + chunk };
  }
}
