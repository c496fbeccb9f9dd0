/**
 * A thread worker is never terminated while it is inside `require()` of an ES module.
 *
 * Node 20 and 22 abort the whole process — the host, every other worker — when `Worker.terminate()` lands while a
 * worker's `require()` of an ES module is instantiating it ("FATAL ERROR: v8::Module::IsGraphAsync must be used on
 * an instantiated module": node's InstantiateSync asks V8 about a graph whose instantiation the termination cut
 * short). The thread runtime loads the class module that way (runtime/require-module.ts), and the pool terminates
 * workers that are still loading whenever create() fails, close({ force }) runs or a start-up is abandoned. Seen on
 * 20.20 and 22.23 by terminating workers at random moments of a 300-module require(); not on 24.21; never with
 * `import()`, nor when the termination lands in the module's own code (docs/design.md, "Worker start-up").
 *
 * One Int32 cell shared by the host and its worker: the worker enters before its require() and leaves after; the
 * host closes the gate before terminating. Whoever moves first decides: a worker that finds the gate closed uses
 * `import()` instead, and a host that finds a require() running waits for it to end (bounded, see closeLoadGate).
 */

import { waitAsync } from '../shared/wait-async.ts';

const OPEN = 0;
const LOADING = 1;
const CLOSED = 2;

export type LoadGate = Int32Array;


/** For the host: a gate to hand to a new worker (in its workerData). */
export function newLoadGate(): LoadGate {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** For the worker: true when it may require() now (it must then call leaveLoad); false once the host is ending it. */
export function enterLoad(gate: LoadGate): boolean {
  return Atomics.compareExchange(gate, 0, OPEN, LOADING) === OPEN;
}

export function leaveLoad(gate: LoadGate): void {
  Atomics.store(gate, 0, OPEN);
  Atomics.notify(gate, 0);
}

/**
 * For the host, before `terminate()`: close the gate, waiting for a require() in progress to end. The wait is
 * bounded by `patienceMs` because the require() also runs the module's top-level code, which may never end; that
 * far into a load the termination lands in the module's code, which is safe. Never rejects.
 */
export async function closeLoadGate(gate: LoadGate, patienceMs: number): Promise<void> {
  if (Atomics.compareExchange(gate, 0, OPEN, CLOSED) !== LOADING) return;
  // waitAsync's own timeout does not keep Node's event loop alive: a timer of ours bounds the wait.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const patience = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, patienceMs);
  });
  try {
    while (Atomics.compareExchange(gate, 0, OPEN, CLOSED) === LOADING) {
      const wait = waitAsync!(gate, 0, LOADING, patienceMs); // in every Node we support (>= 20.16)
      if (!wait.async) continue;
      if ((await Promise.race([wait.value, patience])) !== 'ok') return;
    }
  } finally {
    clearTimeout(timer);
  }
}
