/**
 * The seed's batch execution in TypeScript: 80 RandomWalker walks over 8 workers, each walk's whole control loop
 * (100 steps with periodic boundaries) running inside its worker through insideRun — one message per walk instead
 * of three hundred. Prints the mean final position.
 *
 *   npx tsx examples/random-walker-batch.ts
 *
 * Eight services (one worker each, as SimService has one process each) run ten walks apiece: `run()` with an
 * insideRun function set runs the loop and resolves to its result, and a finished service may run again.
 */
import { ProxyPool } from '../lib/index.ts';
import { insideRun, withServices } from '../lib/services/index.ts';
import { RandomWalkerService, type RandomWalkerFunctions } from './models/random-walker.ts';
import { walkWithPeriodicBoundary } from './models/random-walker-loop.ts';

const WORKERS = 8;
const WALKS = 80;

const started = performance.now();
await using pool = await ProxyPool.create(RandomWalkerService, { workers: WORKERS, module: new URL('./models/random-walker.ts', import.meta.url) });
const walkers = withServices<RandomWalkerService & RandomWalkerFunctions>(pool);
await walkers.setInsideRun(await insideRun(walkWithPeriodicBoundary, { module: new URL('./models/random-walker-loop.ts', import.meta.url) }));

const final_positions: number[] = [];
for (let round = 0; round < WALKS / WORKERS; round++) {
  // Every service runs one whole walk inside its worker; run() resolves to the insideRun result.
  final_positions.push(...((await walkers.run()) as number[]));
}
const steps = await walkers.getCurrentStep();
const mean_position = final_positions.reduce((a, b) => a + b, 0) / final_positions.length;
console.log(`${final_positions.length} walks over ${WORKERS} workers, ${steps[0]} steps each`);
console.log(`mean final position: ${mean_position.toFixed(4)}`);
console.log(`time: ${((performance.now() - started) / 1000).toFixed(2)} s`);
console.log(`RESULT ${JSON.stringify({ walks: final_positions.length, workers: WORKERS, steps, finalPositions: final_positions, mean: mean_position })}`);
