/**
 * The batch example's insideRun function: the whole control loop of one walk, run inside the walker's worker
 * (no round trip per step). It is the seed's inside_run: 100 steps with periodic boundaries on [-1, 1].
 */
import { getPos, setPos, type RandomWalkerService } from './random-walker.ts';

export async function walkWithPeriodicBoundary(walker: RandomWalkerService): Promise<number> {
  await walker.init();
  await walker.start();
  for (let i = 0; i < 100; i++) {
    await walker.step();
    // Impose periodic boundary conditions on a domain [-1, 1] using the service functions
    const pos = getPos();
    if (pos < -1.0) setPos(pos + 2.0);
    else if (pos > 1.0) setPos(pos - 2.0);
  }
  await walker.finish();
  return getPos();
}
