/** Errors of the job pool. */

/**
 * `execute()` ended and some jobs failed. `failures` lists them (their own errors are on `job.error`).
 *
 * @example
 * try { await jobs.execute(); } catch (e) { if (e instanceof WorkflowError) for (const j of e.failures) console.error(j.name, j.error); }
 */
export class WorkflowError extends Error {
  override name = 'WorkflowError';
  constructor(readonly failures: ReadonlyArray<{ id: number; name: string; error?: unknown }>, total: number) {
    const first = failures[0]!;
    const why = first.error instanceof Error ? `${first.error.name}: ${first.error.message}` : String(first.error);
    super(`${failures.length} of ${total} jobs failed; first: job ${first.id} (${first.name}): ${why}`, { cause: first.error });
  }
}

/**
 * The reason stored on a cancelled job (`job.error`): cancelled by a call, by a failed or cancelled dependency,
 * or by fail-fast.
 *
 * @example
 * if (job.status === 'cancelled') console.log((job.error as JobCancelledError).message);
 */
export class JobCancelledError extends Error {
  override name = 'JobCancelledError';
}

/**
 * `schedule(nodes)` found nodes depending on each other in a circle; `cycle` names them in order.
 *
 * @example
 * try { jobs.schedule(nodes); } catch (e) { if (e instanceof DependencyCycleError) console.error(e.cycle); }
 */
export class DependencyCycleError extends Error {
  override name = 'DependencyCycleError';
  constructor(readonly cycle: readonly string[]) {
    super(`dependency cycle: ${cycle.join(' → ')}`);
  }
}
