/** Partitioned jobs: Eidolon's range rule, argument slicing, results by worker, progress, concurrent(). */
export { PartitionPool, type PartitionFunction, type PartitionOptions, type PartitionArgs } from './partition.ts';
export { PartitionProcess } from './process.ts';
export { partitionRange, partitionRanges, sliceForWorker, chooseWorkerCount } from './range.ts';
export type { FunctionRef } from './function-ref.ts';
export { partition, concurrent, defaultPartitionPool, closeDefaultPartitionPool, type FreePartitionOptions } from './default-pool.ts';
