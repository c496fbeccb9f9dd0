/**
 * Type tests of proxy() and transfer() (issue 21): never run, only compiled by `tsc --noEmit`. Each
 * `@ts-expect-error` line must fail to compile, and each `Expect<Equal<...>>` must hold.
 */
import { ProxyPool, proxy, repeat, transfer, type HostCallback } from '../../lib/index.ts';
import { transfer as workerTransfer } from '../../lib/worker.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

class Trainer {
  /** What the worker sees: the host's callbacks, answering through promises. */
  async train(epochs: number, report: (epoch: number) => Promise<string>): Promise<number> {
    for (let e = 0; e < epochs; e++) await report(e);
    return epochs;
  }
  async ask(question: (q: string, n: number) => Promise<{ yes: boolean }>): Promise<boolean> {
    return (await question('go?', 1)).yes;
  }
  sum(values: Float64Array): number {
    return values.length;
  }
  makeBuffer(n: number): Uint8Array {
    const bytes = new Uint8Array(n);
    return workerTransfer(bytes, [bytes.buffer]);
  }
}

declare const pool: ProxyPool<Trainer>;

async function checks() {
  // A host (x: number) => string, passed with proxy(), arrives as (x: number) => Promise<string>.
  const report = proxy((epoch: number) => `epoch ${epoch}`);
  type _1 = Expect<Equal<typeof report, (epoch: number) => Promise<string>>>;
  type _2 = Expect<Equal<HostCallback<(x: number) => string>, (x: number) => Promise<string>>>;
  // An async host function does not nest its promise.
  type _3 = Expect<Equal<HostCallback<(q: string, n: number) => Promise<{ yes: boolean }>>, (q: string, n: number) => Promise<{ yes: boolean }>>>;
  const trained = await pool.train.one(10, report);
  type _4 = Expect<Equal<typeof trained, number>>;
  await pool.ask.one(proxy(async (q: string, n: number) => ({ yes: q.length > n })));
  await pool.train.map([1, 2], repeat(report));

  // @ts-expect-error the host function's parameter types must match the worker's callback type
  await pool.train.one(10, proxy((epoch: string) => epoch));
  // @ts-expect-error so must its result type
  await pool.train.one(10, proxy((epoch: number) => epoch * 2));
  // @ts-expect-error proxy() takes a function
  proxy(42);

  // transfer(value, list) stands for the value itself.
  const data = new Float64Array(8);
  const moved = transfer(data, [data.buffer]);
  type _5 = Expect<Equal<typeof moved, typeof data>>;
  await pool.sum.one(moved);
  // @ts-expect-error the value must still fit the parameter
  await pool.sum.one(transfer('text', []));
  // (The list is typed Transferable[], which @types/node widens to accept anything: transfer() checks it at run time.)
  const bytes = await pool.makeBuffer.one(4);
  type _6 = Expect<Equal<typeof bytes, Uint8Array>>;
}
void checks;
