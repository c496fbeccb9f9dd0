/** Flows: compositions of worker stages and in-thread functions (mpservice's servlets) over the pool's public API. */
export type { Flow, FlowDescription, Member, RunContext } from './types.ts';
export { workerStage, poolStage, functionStage, makeWorker, passThrough, WorkerStage, PoolStage, type WorkerStageOptions } from './stages.ts';
export { sequential, ensemble, switchFlow, toFlow, type EnsembleOptions } from './compose.ts';
