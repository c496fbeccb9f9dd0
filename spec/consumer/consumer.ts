// A strict TypeScript consumer (no skipLibCheck), compiled under moduleResolution nodenext and bundler.
import { ProxyPool, SharedArrayWrapper, range } from 'objectproxypool';
import { expose, TaskRng } from 'objectproxypool/worker';
import { sequential, type Flow } from 'objectproxypool/flows';
import { atomicAdd, type DType } from 'objectproxypool/shared';
import type { MethodNames } from 'objectproxypool/types';
import { JobWorker, type JobPool } from 'objectproxypool/jobs';

/** true when T is `any`: then the assignment below of `false` to `IsAny<...>` fails to compile. */
type IsAny<T> = 0 extends 1 & T ? true : false;

class Model {
  times(x: number): number {
    return x * 2;
  }
}

const wrapper = SharedArrayWrapper.zeros([2, 2], 'float64');
export const arrayIsNotAny: IsAny<typeof wrapper.array> = false;
export const cell: number = wrapper.array.get(0, 1);

export async function run(): Promise<number[]> {
  const pool = await ProxyPool.create(Model, { workers: 2, module: new URL('./model.js', import.meta.url) });
  try {
    const doubled: number[] = await pool.times.map(range(3));
    return doubled;
  } finally {
    await pool.close();
  }
}
export { expose };

// Subpath entries resolve with their types (package.json "exports": types + default).
export const upper: Flow<string, string> = sequential((s: string) => s.toUpperCase());
export const dtype: DType = 'float32';
export const added: number = atomicAdd(SharedArrayWrapper.zeros([1], 'int32'), 0, 1);
export const method: MethodNames<Model> = 'times';
export const draw = (seed: number): number => new TaskRng(seed, 0, 1).random();
export class Steps extends JobWorker {
  step(n: number): number {
    return n + 1;
  }
}
export type StepJobs = JobPool<Steps>;

