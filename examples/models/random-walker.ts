/**
 * The seed's RandomWalker.py in TypeScript: a one-dimensional random walker whose position lives at module level,
 * with `getPos`/`setPos` exposed as service functions, and the SimService implementation and factory
 * (`serviceRandomWalker`) that the user scripts drive. Each service is one worker, so each has its own `pos`.
 */
import { SimService, serviceFactory, serviceFunction, type ServiceProxy } from '../../lib/services/index.ts';

let pos = 0.0;

export function step(): void {
  pos += 2.0 * Math.random() - 1.0;
}

export function getPos(): number {
  return pos;
}

export function setPos(value: number): void {
  pos = value;
}

// Make the current position available on service proxies
serviceFunction(getPos);
// Make the current position settable on service proxies
serviceFunction(setPos);

/** The service functions, for typing proxies: `proxy.services<RandomWalkerFunctions>()`. */
export interface RandomWalkerFunctions {
  getPos(): number;
  setPos(value: number): void;
}

/** The SimService implementation: its step is the module's step; a new run starts at 0. */
export class RandomWalkerService extends SimService {
  protected override onRun(): void {
    pos = 0.0;
  }

  protected override onStep(): void {
    step();
  }
}

const factory = serviceFactory(RandomWalkerService, { module: import.meta.url });

/** Starts a RandomWalker service: one worker, typed with its service functions. */
export async function serviceRandomWalker(): Promise<ServiceProxy<RandomWalkerService & RandomWalkerFunctions>> {
  return (await factory()).services<RandomWalkerFunctions>();
}
