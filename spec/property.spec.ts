/**
 * Property-based (issue 3, "done when" 6): fast-check drives random sequences of commands — create (random kind,
 * 1–4 workers, dedicated or not), broadcast, map (random arrays, strict or not, random chunk size), synchronized
 * map, a burst of mixed calls in one tick, a call aborted at a random moment, a call with a timeout, close (drained
 * or forced, with a call in flight) — against a small model of what each should give:
 *  - broadcast `whoami` → [0, …, n-1]; `add(a, b)` → n copies of a + b;
 *  - map → element-wise results in input order, shortest wins; strict mismatches and dedicated task counts → ArgumentError;
 *  - synchronized map → each round of n consecutive tasks ran on n distinct workers;
 *  - the per-worker `calls` field counts exactly the whoami calls each worker ran (broadcast = exactly once each);
 *  - abort / timeout → AbortError / TimeoutError when they must win, the result when they cannot, either in between;
 *  - after close → PoolClosedError for everything, info says closed with nothing in flight.
 * Every command must settle within 10 s (a hang fails the property, with the command sequence as counterexample).
 *
 * OPP_FC_SEED=<seed> replays a run; OPP_FC_RUNS sets the number of runs (default 40).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ArgumentError, PoolClosedError, TimeoutError, range, repeat } from './helpers/lib.ts';
import { counterPool, kindOptions, kinds, type Kind } from './helpers/kinds.ts';
import { oddKinds } from '../.test-build/spec/fixtures/throwers.js';

type Pool = Awaited<ReturnType<typeof counterPool>>;
type ErrorClass = abstract new (...args: any[]) => Error;

interface Model {
  kind: Kind;
  workers: number;
  dedicated: boolean;
  closed: boolean;
  creates: number;
  /** Expected value of each worker's `calls` field (whoami calls it ran). */
  calls: number[];
}

interface Real {
  pool: Pool;
}

const SETTLE_MS = 10_000;
let poolsCreated = 0;
const RUNS = Number(process.env.OPP_FC_RUNS ?? 40);
const TIME_LIMIT_MS = 60_000;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Runs `call`, turning a synchronous throw into a rejection; fails the property if it does not settle in time. */
async function settle(label: string, call: () => unknown): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not settle within ${SETTLE_MS} ms`)), SETTLE_MS);
  });
  try {
    return await Promise.race([
      (async () => call())().then(
        (value): Outcome => ({ ok: true, value }),
        (error: unknown): Outcome => ({ ok: false, error }),
      ),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function expectValue(label: string, outcome: Outcome, expected: unknown): void {
  if (!outcome.ok) assert.fail(`${label}: expected ${JSON.stringify(expected)}, got ${describeError(outcome.error)}`);
  assert.deepEqual(outcome.value, expected, `${label}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(outcome.value)}`);
}

function expectError(label: string, outcome: Outcome, Class: ErrorClass, pattern?: RegExp): void {
  if (outcome.ok) assert.fail(`${label}: expected ${Class.name}, got the value ${JSON.stringify(outcome.value)}`);
  const error = outcome.error as Error;
  assert.ok(error instanceof Class, `${label}: expected ${Class.name}, got ${describeError(error)}`);
  if (pattern) assert.match(error.message, pattern, `${label}: expected a message matching ${pattern}, got "${error.message}"`);
}

function expectAbort(label: string, outcome: Outcome): void {
  if (outcome.ok) assert.fail(`${label}: expected an AbortError, got the value ${JSON.stringify(outcome.value)}`);
  assert.equal((outcome.error as Error)?.name, 'AbortError', `${label}: expected an AbortError, got ${describeError(outcome.error)}`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : `non-error ${String(error)}`;
}

const indices = (n: number) => [...range(n)];

/** Checks the pool still answers after a cancelled call (nothing stuck behind an abandoned task). */
async function stillUsable(label: string, m: Model, r: Real): Promise<void> {
  if (m.closed) return;
  expectValue(`${label}, then add(1, 1)`, await settle(`${label}, then add(1, 1)`, () => r.pool.add(1, 1)), Array(m.workers).fill(2));
}

// --- commands ---------------------------------------------------------------------------------------------------

abstract class PoolCommand implements fc.AsyncCommand<Model, Real> {
  check(m: Readonly<Model>): boolean {
    return m.creates > 0;
  }
  abstract run(m: Model, r: Real): Promise<void>;
  abstract toString(): string;
}

class Create extends PoolCommand {
  constructor(readonly kind: Kind, readonly workers: number, readonly dedicated: boolean) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.closed && m.creates < 2; // pools of threads and processes are slow to start: at most one re-creation per run
  }
  async run(m: Model, r: Real): Promise<void> {
    const outcome = await settle(String(this), () => counterPool(this.kind, { workers: this.workers, dedicated: this.dedicated }));
    if (!outcome.ok) assert.fail(`${this}: ${describeError(outcome.error)}`);
    r.pool = outcome.value as Pool;
    poolsCreated++;
    Object.assign(m, { kind: this.kind, workers: this.workers, dedicated: this.dedicated, closed: false, creates: m.creates + 1, calls: Array(this.workers).fill(0) });
    assert.equal(r.pool.info.size, this.workers);
    assert.equal(r.pool.info.dedicated, this.dedicated);
  }
  toString(): string {
    return `create(${this.kind}, ${this.workers}${this.dedicated ? ', dedicated' : ''})`;
  }
}

class Whoami extends PoolCommand {
  async run(m: Model, r: Real): Promise<void> {
    const outcome = await settle(String(this), () => r.pool.whoami());
    if (m.closed) return expectError(String(this), outcome, PoolClosedError, /cannot call whoami: the pool is closed/);
    expectValue(String(this), outcome, indices(m.workers));
    m.calls = m.calls.map((c) => c + 1);
  }
  toString(): string {
    return 'whoami()';
  }
}

class Add extends PoolCommand {
  constructor(readonly a: number, readonly b: number) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const outcome = await settle(String(this), () => r.pool.add(this.a, this.b));
    if (m.closed) return expectError(String(this), outcome, PoolClosedError);
    expectValue(String(this), outcome, Array(m.workers).fill(this.a + this.b));
  }
  toString(): string {
    return `add(${this.a}, ${this.b})`;
  }
}

class MapAdd extends PoolCommand {
  constructor(readonly xs: number[], readonly ys: number[], readonly strict: boolean, readonly chunkSize: number | undefined) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const view = r.pool.with({ strict: this.strict, ...(this.chunkSize ? { chunkSize: this.chunkSize } : {}) });
    // One argument as a one-shot generator: generators must work like arrays.
    const outcome = await settle(String(this), () => view.add.map((function* (xs) { yield* xs; })(this.xs), this.ys));
    const count = Math.min(this.xs.length, this.ys.length);
    if (m.closed) return expectError(String(this), outcome, PoolClosedError);
    if (this.strict && this.xs.length !== this.ys.length) return expectError(String(this), outcome, ArgumentError, /strict/);
    if (m.dedicated && count !== m.workers) return expectError(String(this), outcome, ArgumentError, new RegExp(`needs exactly ${m.workers} tasks per map call, got ${count > m.workers ? `(${count}|more than ${m.workers})` : count}\\b`));
    expectValue(String(this), outcome, indices(count).map((i) => this.xs[i]! + this.ys[i]!));
  }
  toString(): string {
    return `add.map(${JSON.stringify(this.xs)}, ${JSON.stringify(this.ys)}${this.strict ? ', strict' : ''}${this.chunkSize ? `, chunkSize ${this.chunkSize}` : ''})`;
  }
}

class SynchronizedWhoami extends PoolCommand {
  constructor(readonly tasks: number) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const whoami = r.pool.with({ synchronize: true }).methods.whoami as unknown as { map(xs: Iterable<number>): Promise<number[]> };
    const outcome = await settle(String(this), () => whoami.map(range(this.tasks)));
    if (m.closed) return expectError(String(this), outcome, PoolClosedError);
    if (m.dedicated && this.tasks !== m.workers) return expectError(String(this), outcome, ArgumentError, /needs exactly/);
    if (!outcome.ok) assert.fail(`${this}: ${describeError(outcome.error)}`);
    const ran = outcome.value as number[];
    assert.equal(ran.length, this.tasks);
    if (m.dedicated) assert.deepEqual(ran, indices(m.workers), `${this}: a dedicated pool runs task i on worker i`);
    for (let start = 0; start < ran.length; start += m.workers) {
      const round = ran.slice(start, start + m.workers);
      assert.equal(new Set(round).size, round.length, `${this}: round ${start / m.workers} ran on distinct workers: ${JSON.stringify(ran)}`);
      for (const w of round) assert.ok(Number.isInteger(w) && w >= 0 && w < m.workers);
    }
    for (const w of ran) m.calls[w]!++;
  }
  toString(): string {
    return `synchronize whoami.map(range(${this.tasks}))`;
  }
}

class CountCalls extends PoolCommand {
  async run(m: Model, r: Real): Promise<void> {
    const outcome = await settle(String(this), () => r.pool.fields.get('calls'));
    if (m.closed) return expectError(String(this), outcome, PoolClosedError, /cannot access field calls/);
    expectValue(`${this} (whoami calls per worker)`, outcome, m.calls);
  }
  toString(): string {
    return "fields.get('calls')";
  }
}

/** Several kinds of call issued in the same tick: they share one message per worker and must not disturb each other. */
class Burst extends PoolCommand {
  constructor(readonly a: number, readonly xs: number[]) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const xs = m.dedicated ? indices(m.workers).map((i) => this.xs[i] ?? i) : this.xs;
    const outcomes = await settle(String(this), () =>
      Promise.all([
        settle('burst add', () => r.pool.add(this.a, 1)),
        settle('burst map', () => r.pool.add.map(xs, repeat(this.a))),
        settle('burst whoami', () => r.pool.whoami()),
        settle('burst fields', () => r.pool.fields.get('index')),
      ]),
    );
    if (!outcomes.ok) assert.fail(`${this}: ${describeError(outcomes.error)}`);
    const [add, map, who, fields] = outcomes.value as Outcome[];
    if (m.closed) {
      for (const o of [add!, map!, who!, fields!]) expectError(String(this), o, PoolClosedError);
      return;
    }
    expectValue(`${this}: add`, add!, Array(m.workers).fill(this.a + 1));
    expectValue(`${this}: map`, map!, xs.map((x) => x + this.a));
    expectValue(`${this}: whoami`, who!, indices(m.workers));
    expectValue(`${this}: fields.get('index')`, fields!, indices(m.workers));
    m.calls = m.calls.map((c) => c + 1);
  }
  toString(): string {
    return `burst(add(${this.a}, 1), add.map(${JSON.stringify(this.xs)}, repeat(${this.a})), whoami(), fields.get('index'))`;
  }
}

type AbortMoment = 'before' | 'same tick' | 'never' | number;

class Abort extends PoolCommand {
  constructor(readonly form: 'broadcast' | 'map', readonly delay: number, readonly moment: AbortMoment) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const controller = new AbortController();
    if (this.moment === 'before') controller.abort();
    const view = r.pool.with({ signal: controller.signal });
    const tasks = m.dedicated ? m.workers : 3;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await settle(String(this), () => {
      const call = this.form === 'broadcast' ? view.delayed(7, this.delay) : view.delayed.map(range(tasks), repeat(this.delay));
      if (this.moment === 'same tick') controller.abort();
      else if (typeof this.moment === 'number') timer = setTimeout(() => controller.abort(), this.moment);
      return call;
    });
    clearTimeout(timer);
    const expected = this.form === 'broadcast' ? Array(m.workers).fill(7) : indices(tasks);
    if (m.closed) return expectError(String(this), outcome, PoolClosedError);
    if (this.moment === 'before' || this.moment === 'same tick') expectAbort(String(this), outcome);
    else if (this.moment === 'never') expectValue(String(this), outcome, expected);
    // The answer needs at least `delay` ms; an abort timer due earlier fires first, even on a busy event loop.
    else if (this.moment < this.delay) expectAbort(String(this), outcome);
    else if (outcome.ok) assert.deepEqual(outcome.value, expected, String(this));
    else expectAbort(String(this), outcome);
    await stillUsable(String(this), m, r);
  }
  toString(): string {
    return `${this.form === 'broadcast' ? 'delayed(7, d)' : 'delayed.map(range, repeat(d))'} with d = ${this.delay} ms, aborted ${typeof this.moment === 'number' ? `after ${this.moment} ms` : this.moment}`;
  }
}

class Timeout extends PoolCommand {
  constructor(readonly delay: number, readonly timeout: number) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const outcome = await settle(String(this), () => r.pool.with({ timeout: this.timeout }).delayed(3, this.delay));
    if (m.closed) return expectError(String(this), outcome, PoolClosedError);
    if (this.delay > this.timeout) expectError(String(this), outcome, TimeoutError, new RegExp(`delayed did not finish within ${this.timeout} ms`));
    else if (this.timeout >= this.delay + 1000) expectValue(String(this), outcome, Array(m.workers).fill(3));
    else if (!outcome.ok) expectError(String(this), outcome, TimeoutError);
    await stillUsable(String(this), m, r);
  }
  toString(): string {
    return `with({ timeout: ${this.timeout} }).delayed(3, ${this.delay})`;
  }
}

class FailingMap extends PoolCommand {
  constructor(readonly xs: number[], readonly bad: number, readonly settleAll: boolean) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const view = r.pool.with({ settle: this.settleAll ? 'all' : 'fail-fast' });
    const outcome = await settle(String(this), () => view.failIf.map(this.xs, repeat(this.bad)));
    if (m.closed) return expectError(String(this), outcome, PoolClosedError);
    if (m.dedicated && this.xs.length !== m.workers) return expectError(String(this), outcome, ArgumentError, /needs exactly/);
    if (!this.settleAll) {
      if (this.xs.includes(this.bad)) return expectError(String(this), outcome, TypeError, new RegExp(`bad value ${this.bad}`));
      return expectValue(String(this), outcome, this.xs);
    }
    if (!outcome.ok) assert.fail(`${this}: ${describeError(outcome.error)}`);
    const settled = outcome.value as PromiseSettledResult<number>[];
    assert.equal(settled.length, this.xs.length);
    settled.forEach((s, i) => {
      if (this.xs[i] === this.bad) {
        assert.equal(s.status, 'rejected', `${this}: task ${i}`);
        assert.ok((s as PromiseRejectedResult).reason instanceof TypeError);
      } else {
        assert.deepEqual(s, { status: 'fulfilled', value: this.xs[i] }, `${this}: task ${i}`);
      }
    });
  }
  toString(): string {
    return `with({ settle: '${this.settleAll ? 'all' : 'fail-fast'}' }).failIf.map(${JSON.stringify(this.xs)}, repeat(${this.bad}))`;
  }
}

class Close extends PoolCommand {
  constructor(readonly force: boolean, readonly withCallInFlight: boolean) {
    super();
  }
  async run(m: Model, r: Real): Promise<void> {
    const wasClosed = m.closed;
    const inFlight = this.withCallInFlight ? settle(`${this}: call in flight`, () => r.pool.delayed(5, 30)) : undefined;
    const closing = await settle(String(this), () => r.pool.close({ force: this.force }));
    if (!closing.ok) assert.fail(`${this}: ${describeError(closing.error)}`);
    m.closed = true;
    if (inFlight) {
      const outcome = await inFlight;
      if (wasClosed || this.force) expectError(`${this}: call in flight`, outcome, PoolClosedError);
      else expectValue(`${this}: call in flight is drained`, outcome, Array(m.workers).fill(5));
    }
    const { state, alive, inFlight: pending, waiting } = r.pool.info;
    assert.deepEqual({ state, alive, pending, waiting }, { state: 'closed', alive: 0, pending: 0, waiting: 0 }, `${this}: info after close`);
  }
  toString(): string {
    return `close(${this.force ? '{ force: true }' : ''})${this.withCallInFlight ? ' with a call in flight' : ''}`;
  }
}

// --- arbitraries ------------------------------------------------------------------------------------------------

const kindArb = fc.constantFrom(...kinds);
const workersArb = fc.integer({ min: 1, max: 4 });
const small = fc.integer({ min: -50, max: 50 });
const shortArray = fc.array(small, { maxLength: 6 });

const commandArbs = [
  fc.tuple(kindArb, workersArb, fc.boolean()).map(([k, w, d]) => new Create(k, w, d)),
  fc.constant(new Whoami()),
  fc.tuple(small, small).map(([a, b]) => new Add(a, b)),
  fc.tuple(shortArray, shortArray, fc.boolean(), fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined })).map(([xs, ys, strict, chunk]) => new MapAdd(xs, ys, strict, chunk)),
  // Equal lengths are rare at random; this one makes matching (and, for dedicated pools, well-sized) maps common.
  fc.tuple(fc.integer({ min: 1, max: 4 }), small).map(([n, a]) => new MapAdd(indices(n), Array(n).fill(a), true, undefined)),
  fc.integer({ min: 0, max: 9 }).map((n) => new SynchronizedWhoami(n)),
  fc.constant(new CountCalls()),
  fc.tuple(small, fc.array(small, { minLength: 1, maxLength: 5 })).map(([a, xs]) => new Burst(a, xs)),
  fc
    .tuple(
      fc.constantFrom('broadcast' as const, 'map' as const),
      fc.constantFrom(0, 40, 250),
      fc.oneof(fc.constantFrom<AbortMoment>('before', 'same tick', 'never'), fc.integer({ min: 0, max: 120 })),
    )
    .map(([form, delay, moment]) => new Abort(form, delay, moment)),
  fc.tuple(fc.constantFrom(0, 30, 300), fc.constantFrom(1, 100, 3000)).map(([delay, timeout]) => new Timeout(delay, timeout)),
  fc.tuple(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 5 }), fc.integer({ min: 0, max: 3 }), fc.boolean()).map(([xs, bad, all]) => new FailingMap(xs, bad, all)),
  fc.tuple(fc.boolean(), fc.boolean()).map(([force, inFlight]) => new Close(force, inFlight)),
];

describe('property: random command sequences against a model', () => {
  it(`${RUNS} random runs: results match the model and every command settles within ${SETTLE_MS / 1000} s`, { timeout: TIME_LIMIT_MS + 30_000 }, async (t) => {
    const property = fc.asyncProperty(
      kindArb,
      workersArb,
      fc.boolean(),
      fc.commands(commandArbs, { maxCommands: 20 }),
      async (kind, workers, dedicated, commands) => {
        const real = {} as Real;
        const model: Model = { kind, workers, dedicated, closed: true, creates: 0, calls: [] };
        try {
          await fc.asyncModelRun(async () => {
            await new Create(kind, workers, dedicated).run(model, real);
            return { model, real };
          }, commands);
        } finally {
          if (real.pool) {
            const closing = await settle('final close', () => real.pool.close({ force: true }));
            if (!closing.ok) assert.fail(`final close: ${describeError(closing.error)}`);
            assert.equal(real.pool.info.alive, 0);
          }
        }
      },
    );
    const seed = process.env.OPP_FC_SEED === undefined ? undefined : Number(process.env.OPP_FC_SEED);
    const started = Date.now();
    const details = await fc.check(property, {
      numRuns: RUNS,
      seed,
      // Thread and process pools take 0.3–1 s to start: no shrinking marathon, and a hard stop on slow machines.
      endOnFailure: true,
      interruptAfterTimeLimit: TIME_LIMIT_MS,
    });
    t.diagnostic(`seed ${details.seed}: ${details.numRuns} runs${details.interrupted ? ' (interrupted by the time limit)' : ''}, ${poolsCreated} pools, ${Date.now() - started} ms`);
    if (details.failed) {
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      assert.fail(`${(await fc.asyncDefaultReportMessage(details)) ?? 'property failed'}\nError: ${cause}`);
    }
    assert.ok(details.numRuns >= Math.min(RUNS, 10), `only ${details.numRuns} runs fitted in the time limit`);
  });
});

// Issue 17: anything thrown in a worker — arbitrary values and odd error objects — rejects the call with an Error;
// the host survives, the worker lives on (one pool per kind for all cases), and no call is left pending.
const THROW_RUNS = Number(process.env.OPP_FC_RUNS ?? 200);
const throwersModule = new URL('../.test-build/spec/fixtures/throwers.js', import.meta.url);
const thrownValue = fc.oneof(
  fc.constantFrom(...oddKinds).map((kind) => ({ kind, arg: undefined as unknown })),
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }).map((arg) => ({ kind: 'value' as const, arg })),
  fc.record({ message: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)), name: fc.oneof(fc.string(), fc.constant(null)), extra: fc.anything() }).map((arg) => ({ kind: 'value' as const, arg })),
);

for (const kind of kinds) {
  describe(`property: thrown values [${kind}]`, () => {
    it(`${THROW_RUNS} arbitrary thrown values reject with an Error; the worker and the pool live on`, { timeout: 120_000 }, async () => {
      const { ProxyPool } = await import('./helpers/lib.ts');
      const { Throwers } = await import('../.test-build/spec/fixtures/throwers.js');
      await using pool = await ProxyPool.create(Throwers, { workers: 1, ...kindOptions(kind), module: throwersModule });
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(thrownValue, fc.boolean(), async ({ kind: odd, arg }, async) => {
          cases++;
          const call = async ? pool.rejectIt(odd, arg) : pool.throwIt(odd, arg);
          const error = await call.then(() => undefined, (e: unknown) => e);
          assert.ok(error instanceof Error, `rejected with ${typeof error}`);
          assert.equal(typeof error.message, 'string');
          assert.deepEqual(await pool.ok(cases), [cases]);
        }),
        { numRuns: THROW_RUNS, ...(process.env.OPP_FC_SEED ? { seed: Number(process.env.OPP_FC_SEED) } : {}) },
      );
      assert.equal(pool.info.alive, 1);
      assert.deepEqual(pool.info.respawns, [0]);
      assert.deepEqual(await pool.fields.get('calls'), [cases], 'every case ran on the same worker');
      assert.equal(pool.info.inFlight, 0);
    });
  });
}
