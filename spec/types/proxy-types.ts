/**
 * Type tests: this file is never run, only compiled by `tsc --noEmit` in `npm test`. Each `@ts-expect-error`
 * line must fail to compile (tsc reports an unused directive otherwise), and each `Expect<Equal<...>>` must hold.
 */
import { ProxyPool, range, repeat, type PoolProxy } from '../../lib/index.ts';
import { collective, type Communicator } from '../../lib/collectives/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

class Model {
  weight = 1;
  readonly name: string = 'm';
  constructor(public readonly size: number, label?: string) {
    void label;
  }
  step(dt: number): number {
    return dt * this.weight;
  }
  async load(path: string, retries?: number): Promise<{ ok: boolean }> {
    return { ok: path.length > (retries ?? 0) };
  }
  reset(): void {}
  close(): string {
    return 'mine';
  }
}

declare const pool: ProxyPool<Model>;

async function checks() {
  // Broadcast: results per worker, promises unwrapped.
  const steps = await pool.step(0.1);
  type _1 = Expect<Equal<typeof steps, number[]>>;
  const loaded = await pool.load('x');
  type _2 = Expect<Equal<typeof loaded, { ok: boolean }[]>>;
  const resets = await pool.reset();
  type _3 = Expect<Equal<typeof resets, void[]>>;

  // map form: one iterable per parameter, optional parameters stay optional, repeat() for constants.
  const mapped = await pool.step.map([0.1, 0.2]);
  type _4 = Expect<Equal<typeof mapped, number[]>>;
  await pool.load.map(['a', 'b'], range(2));
  await pool.load.map(repeat('a'), new Set([1, 2]));
  await pool.load.map((function* () { yield 'x'; })());

  // one(): a single task on one worker, a single result.
  const single = await pool.load.one('x', 2);
  type _4b = Expect<Equal<typeof single, { ok: boolean }>>;
  // @ts-expect-error one() takes the method's own parameters
  await pool.step.one('fast');

  // stream(): the map's argument forms plus async iterables; yields values, or { index, value } unordered.
  for await (const value of pool.step.stream(range(3))) {
    type _s1 = Expect<Equal<typeof value, number>>;
  }
  async function* paths() {
    yield 'a';
  }
  for await (const item of pool.with({ ordered: false, window: 8 }).load.stream(paths(), repeat(2))) {
    type _s2 = Expect<Equal<typeof item, { index: number; value: { ok: boolean } }>>;
  }
  for await (const settledItem of pool.with({ settle: 'all', checkpoint: 'run.ckpt' }).step.stream([1])) {
    type _s3 = Expect<Equal<typeof settledItem, PromiseSettledResult<number>>>;
  }
  // @ts-expect-error stream() takes one iterable per parameter, of the parameter's type
  pool.step.stream(['fast']);
  // @ts-expect-error window is a number
  pool.with({ window: '8' });

  // settle: 'all' changes the result type; later with() calls keep it unless they override it.
  const settled = await pool.with({ settle: 'all' }).step(1);
  type _5 = Expect<Equal<typeof settled, PromiseSettledResult<number>[]>>;
  const stillSettled = await pool.with({ settle: 'all' }).with({ timeout: 10 }).step.map([1]);
  type _6 = Expect<Equal<typeof stillSettled, PromiseSettledResult<number>[]>>;
  const backToPlain = await pool.with({ settle: 'all' }).with({ settle: 'fail-fast' }).step(1);
  type _7 = Expect<Equal<typeof backToPlain, number[]>>;

  // The pool's own API wins over a same-named user method; pool.methods reaches the user's.
  const closed = await pool.close();
  type _8 = Expect<Equal<typeof closed, void>>;
  const mine = await pool.methods.close();
  type _9 = Expect<Equal<typeof mine, string[]>>;

  // Fields: only data fields, typed values.
  const weights = await pool.fields.get('weight');
  type _10 = Expect<Equal<typeof weights, number[]>>;
  await pool.fields.set('weight', 2);
  await pool.fields.setEach('weight', range(4));
  const info = pool.info.size;
  type _11 = Expect<Equal<typeof info, number>>;

  // @ts-expect-error wrong argument type
  await pool.step('fast');
  // @ts-expect-error missing argument
  await pool.step();
  // @ts-expect-error map needs iterables, not plain values
  await pool.step.map(0.1);
  // @ts-expect-error map iterable of the wrong element type
  await pool.step.map(['a']);
  // @ts-expect-error not a method of Model
  await pool.fly();
  // @ts-expect-error methods are not fields
  await pool.fields.get('step');
  // @ts-expect-error field value of the wrong type
  await pool.fields.set('weight', 'heavy');
  // @ts-expect-error unknown call option
  pool.with({ retry: 3 });
  // @ts-expect-error the pool's methods cannot be reassigned
  pool.step = pool.step;
  // @ts-expect-error not thenable: await pool gives the pool, never a result
  pool.then;
}

async function creation() {
  // Constructor arguments are checked against the class, both forms.
  const p: PoolProxy<Model> = await ProxyPool.create(Model, { args: [3, 'label'], module: import.meta.url });
  await ProxyPool.create(Model, { args: (i) => [i], module: import.meta.url });
  // @ts-expect-error size must be a number
  await ProxyPool.create(Model, { args: ['3'], module: import.meta.url });
  // @ts-expect-error per-worker args must return the constructor's parameters
  await ProxyPool.create(Model, { args: (i) => [String(i)], module: import.meta.url });
  // @ts-expect-error unknown option
  await ProxyPool.create(Model, { wokers: 2 });
  return p;
}

class Collective {
  async simulate(comm: Communicator, steps: number): Promise<number> {
    await comm.barrier();
    return comm.rank + steps;
  }
}

async function collectives(pool: PoolProxy<Collective>) {
  // A collective group stands in for the method's Communicator parameter: broadcast, map and one.
  const each: number[] = await pool.simulate(collective(pool), 100);
  await pool.with({ synchronize: true }).simulate.map(repeat(collective(pool, { workers: 2 })), range(2));
  // @ts-expect-error a plain value is not a Communicator
  await pool.simulate('comm', 100);
  // @ts-expect-error a group stands in for a Communicator only, not for other parameters
  await pool.simulate(collective(pool), collective(pool));
  return each;
}

void checks;
void creation;
void collectives;
