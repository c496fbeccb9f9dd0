/**
 * The class served by the hosts of examples/remote/. Every host is started with this module; pools only name
 * the class. It draws random points in the unit square and counts those inside the quarter circle (π/4 of them).
 */
import { hostname } from 'node:os';
import { workerContext } from '../../lib/index.ts';

export class PiSampler {
  /** Where this instance runs: machine and host process, to see how a pool was spread. */
  where(): string {
    return `${hostname()}:${process.pid}`;
  }

  /** Points inside the quarter circle among `n` drawn from this instance's own random stream. */
  sample(n: number): number {
    const rng = workerContext(this).rng;
    let inside = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.random();
      const y = rng.random();
      if (x * x + y * y < 1) inside++;
    }
    return inside;
  }
}
