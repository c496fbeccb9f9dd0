// The Walker of the README's plain-JavaScript snippet.
import { workerContext } from 'objectproxypool';

export class Walker {
  position = 0;
  step(n) {
    const { rng } = workerContext();
    for (let i = 0; i < n; i++) this.position += rng.normal();
    return this.position;
  }
  score(task, weight) {
    return task * weight;
  }
  fill(grid, row) {
    for (let j = 0; j < grid.shape[1]; j++) grid.array.set(row, j, row + 1);
  }
}
