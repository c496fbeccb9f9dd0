/** The job pool (BSB's JobPool): dependent jobs on a ProxyPool, listeners, pool-scoped cache. */
export { JobPool, type JobPoolOptions, type SubmitOptions, type JobMethodNames, type JobArgs, type JobResult } from './job-pool.ts';
export { Job, type JobStatus, type PoolStatus, type JobEvent, type JobListener } from './job.ts';
export { JobWorker, poolCache, type JobOutcome } from './job-worker.ts';
export { WorkflowError, JobCancelledError, DependencyCycleError } from './errors.ts';
export { consoleListener, type ConsoleListenerOptions } from './console.ts';
export type { JobNode } from './schedule.ts';
