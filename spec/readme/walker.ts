// The Walker the README's first snippet imports (spec/readme.spec.ts runs the README's code blocks next to it).
import type { SharedArrayWrapper } from 'objectproxypool';
import { workerContext } from 'objectproxypool';

export class Walker {
  position = 0;
  drift = 0;
  step(n: number): number {
    const { rng } = workerContext();
    for (let i = 0; i < n; i++) this.position += rng.normal() + this.drift;
    return this.position;
  }
  setDrift(drift: number): void {
    this.drift = drift;
  }
  score(task: number, weight: number): number {
    return task * weight + this.position * 0;
  }
  fill(grid: SharedArrayWrapper<'float64'>, row: number): void {
    for (let j = 0; j < grid.shape[1]!; j++) grid.array.set(row, j, row + 1);
  }
}
