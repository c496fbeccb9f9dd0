/**
 * The workers of mpservice's documentation example (examples/mpservice-hello.ts), one class per operation, each
 * with mpservice's `call(x)`. They live in their own module because worker processes import it.
 */

/** Blocks like Python's time.sleep: the worker is busy meanwhile, as a compute-heavy step would be. */
function sleep(seconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/** The first element of a sequence. */
export class GetHead {
  call(x: string | unknown[]): unknown {
    sleep(0.01);
    return x[0];
  }
}

/** The last element of a sequence. */
export class GetTail {
  call(x: string | unknown[]): unknown {
    sleep(0.011);
    return x[x.length - 1];
  }
}

/** The length of a sequence. */
export class GetLen {
  call(x: string | unknown[]): number {
    sleep(0.012);
    return x.length;
  }
}

/** A welcome message. */
export class Solute {
  call(x: unknown): string {
    return `Hello, ${String(x)}!`;
  }
}
