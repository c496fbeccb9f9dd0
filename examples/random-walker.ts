/**
 * The seed's RandomWalkerUser.py in TypeScript: drive one RandomWalker service step by step from here, imposing
 * periodic boundary conditions through its getPos/setPos service functions; then the same with the execution
 * context (`await using`), which does run/init/start on entry and finish/close on exit.
 *
 *   npx tsx examples/random-walker.ts
 *
 * The last line, `RESULT {...}`, repeats the numbers as JSON for spec/examples.spec.ts.
 */
import { serviceContext } from '../lib/services/index.ts';
import { serviceRandomWalker } from './models/random-walker.ts';

const positions: number[] = [];

const random_walker_proxy = await serviceRandomWalker();
await random_walker_proxy.run();
await random_walker_proxy.init();
await random_walker_proxy.start();
for (let i = 0; i < 100; i++) {
  await random_walker_proxy.step();
  // Impose periodic boundary conditions on a domain [-1, 1] using service functions
  const pos = await random_walker_proxy.getPos();
  if (pos < -1.0) await random_walker_proxy.setPos(pos + 2.0);
  else if (pos > 1.0) await random_walker_proxy.setPos(pos - 2.0);
  positions.push(await random_walker_proxy.getPos());
}
await random_walker_proxy.finish();
const steps = await random_walker_proxy.getCurrentStep();
const status = await random_walker_proxy.getStatus();
await random_walker_proxy.close();
console.log(`step by step: ${steps} steps, status ${status}, final position ${positions.at(-1)!.toFixed(4)}`);

// The same walk with the execution context: no run/init/start/finish/close to write.
let contextSteps = 0;
let contextStatus = '';
{
  await using walker = await serviceContext(await serviceRandomWalker());
  for (let i = 0; i < 100; i++) {
    contextSteps = await walker.step();
    const pos = await walker.getPos();
    if (pos < -1.0) await walker.setPos(pos + 2.0);
    else if (pos > 1.0) await walker.setPos(pos - 2.0);
  }
  contextStatus = await walker.getStatus();
  console.log(`execution context: ${contextSteps} steps, status ${contextStatus}, final position ${(await walker.getPos()).toFixed(4)}`);
}

console.log(`RESULT ${JSON.stringify({ steps, status, positions, contextSteps, contextStatus })}`);
