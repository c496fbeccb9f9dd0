/**
 * shipSource: a class defined inline (no module file) is sent to the workers as source text and evaluated there.
 * This file runs under tsx, so the classes below reach the pool as esbuild's output (with its `__name` helper);
 * examples/notebook.mjs (plain Node) and examples/notebook.ts (tsx) are run by spec/examples.spec.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as lib from './helpers/lib.ts';
import { ArgumentError, CapturedVariableError, ProxyPool, SharedArrayWrapper, atomicAdd, atomicLoad, remoteInfo, workerContext } from './helpers/lib.ts';
import { RUNTIME_NAMES, SHARED_NAMES } from '../.test-build/lib/class-source/names.js';
import { kinds, T } from './helpers/kinds.ts';

/** Every feature of a class body the source path must carry over: fields, #private, static, accessors, async, a global base. */
class Ensemble extends EventTarget {
  static created = 0;
  static readonly label: string;
  static {
    (this as { label: string }).label = 'ensemble';
  }
  #total = 0;
  samples: number[] = [];
  readonly ctx = workerContext();
  private readonly scale: number;

  constructor(scale: number) {
    super();
    this.scale = scale;
    Ensemble.created++;
  }

  static describe(): string {
    return `${Ensemble.label} v1`;
  }

  get total(): number {
    return this.#total;
  }

  set total(value: number) {
    this.#total = value;
  }

  #draw(): number {
    return this.ctx.rng.random() * this.scale;
  }

  add(x: number): number {
    this.#total += x;
    this.dispatchEvent(new Event('added'));
    return this.#total;
  }

  where(): { index: number; count: number; kind: string; label: string; created: number } {
    const { index, count, kind } = this.ctx;
    return { index, count, kind, label: Ensemble.describe(), created: Ensemble.created };
  }

  async drawMany(n: number): Promise<number[]> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.#draw());
    this.samples.push(...out);
    return out;
  }

  readTotal(): number {
    return this.total;
  }

  setTotal(value: number): void {
    this.total = value;
  }

  /** Local names that shadow outer ones, property keys and strings are not captures. */
  shadows(SCALE: number): string {
    const OUTER = 'local';
    const o = { SCALE, OUTER, 'Base': 1 };
    return `${o.SCALE}:${o.OUTER}:${typeof Math.max}:${[1, 2].map((helper) => helper * 2).join(',')}`;
  }

  fail(): never {
    throw new RangeError(`worker ${this.ctx.index} says no`);
  }
}

// Outer variables, for the classes that capture them.
const SCALE = 3;
function helper(x: number): number {
  return x * SCALE;
}
class Base {
  base(): number {
    return 1;
  }
}

async function rejectsCaptured(promise: Promise<unknown>, variables: string[], message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CapturedVariableError, `a CapturedVariableError, got ${(error as Error)?.name}: ${(error as Error)?.message}`);
    assert.deepEqual(error.variables, variables);
    assert.match(error.message, message);
    return true;
  });
}

for (const kind of kinds) {
  describe(`shipSource: inline classes [${kind}]`, () => {
    it('a self-contained class runs on 2 workers: fields, #private, static, accessors, async, extends EventTarget, workerContext', T, async () => {
      await using pool = await ProxyPool.create(Ensemble, { workers: 2, kind, shipSource: true, args: [10], seed: 7 });
      const where = await pool.where();
      assert.deepEqual(where.map((w) => [w.index, w.count, w.kind, w.label]), [[0, 2, kind, 'ensemble v1'], [1, 2, kind, 'ensemble v1']]);
      if (kind !== 'inline') assert.deepEqual(where.map((w) => w.created), [1, 1], 'each worker evaluated its own copy of the class');
      assert.deepEqual(await pool.add.map([1, 2, 3, 4]).then((r) => r.length), 4);
      await pool.setTotal(5);
      assert.deepEqual(await pool.readTotal(), [5, 5]);
      assert.deepEqual(await pool.add(1), [6, 6]);
      const draws = await pool.drawMany(3);
      assert.equal(draws.length, 2);
      for (const d of draws) for (const x of d) assert.ok(x >= 0 && x < 10, `draw ${x} in [0, 10)`);
      assert.notDeepEqual(draws[0], draws[1], 'each worker has its own seeded stream');
      assert.deepEqual((await pool.fields.get('samples')).map((s) => s.length), [3, 3]);
      assert.deepEqual(await pool.shadows(4), ['4:local:function:2,4', '4:local:function:2,4']);
      await assert.rejects(pool.fail.one(), (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.match((error as Error).message, /^worker [01] says no$/);
        if (kind !== 'inline') assert.match(remoteInfo(error)?.remoteStack ?? '', /objectproxypool-shipped:Ensemble\.js/, 'the stack names the shipped class');
        return true;
      });
    });

    it('the same seed reproduces the same draws (the source path keeps the per-worker streams)', T, async () => {
      const run = async () => {
        await using pool = await ProxyPool.create(Ensemble, { workers: 2, kind, shipSource: true, args: [1], seed: 99 });
        return pool.drawMany(4);
      };
      assert.deepEqual(await run(), await run());
    });

    it('shared arrays and atomics are provided to shipped code', T, async () => {
      class Accumulate {
        hit(acc: SharedArrayWrapper<'int32'>, n: number): number {
          for (let i = 0; i < n; i++) atomicAdd(acc, 0, 1);
          return n;
        }
      }
      const across = kind === 'process' ? { across: 'processes' as const } : {};
      const acc = SharedArrayWrapper.zeros([1], 'int32', across);
      await using pool = await ProxyPool.create(Accumulate, { workers: 2, kind, shipSource: true });
      assert.deepEqual(await pool.hit.map(lib.repeat(acc), [100, 200, 300]), [100, 200, 300]);
      assert.equal(atomicLoad(acc, 0), 600);
    });
  });
}

describe('shipSource: what cannot be shipped', () => {
  it('a class using an outer constant and function is rejected at create, naming both', T, async () => {
    class Scaled {
      scaled(x: number): number {
        return helper(x) + SCALE;
      }
    }
    await rejectsCaptured(
      ProxyPool.create(Scaled, { workers: 2, shipSource: true }),
      ['helper', 'SCALE'],
      /^Scaled cannot be shipped to workers as source: it uses helper, SCALE, defined outside the class\. .*workerContext.*\{ module: import\.meta\.url \}/,
    );
  });

  it('extending a class of the script is rejected naming the base class', T, async () => {
    class Derived extends Base {
      twice(): number {
        return this.base() * 2;
      }
    }
    await rejectsCaptured(ProxyPool.create(Derived, { workers: 2, kind: 'process', shipSource: true }), ['Base'], /it uses Base \(the class it extends\), defined outside the class/);
  });

  it('a capture inside a field initializer, a static block or a nested closure is found too', T, async () => {
    const limit = 5;
    const table = [1, 2];
    class Nested {
      max = limit;
      static {
        void table;
      }
      later(): () => number {
        return () => SCALE;
      }
    }
    await rejectsCaptured(ProxyPool.create(Nested, { workers: 1, shipSource: true }), ['limit', 'table', 'SCALE'], /it uses limit, table, SCALE,/);
  });

  it("a global of the main thread that a worker lacks is rejected by the worker (a notebook's own globals)", T, async () => {
    const g = globalThis as Record<string, unknown>;
    g.notebookGlobal = 41;
    try {
      class UsesGlobal {
        get(): number {
          return (notebookGlobal as number) + 1;
        }
      }
      await rejectsCaptured(
        ProxyPool.create(UsesGlobal, { workers: 2, kind: 'thread', shipSource: true }),
        ['notebookGlobal'],
        /it uses notebookGlobal, defined outside the class \(globals of the main thread are not globals of a worker\)/,
      );
      // Inline instances share this thread and its globals: there it works.
      await using pool = await ProxyPool.create(UsesGlobal, { workers: 1, kind: 'inline', shipSource: true });
      assert.deepEqual(await pool.get(), [42]);
    } finally {
      delete g.notebookGlobal;
    }
  });

  it('shipSource excludes module and worker, and must be a boolean', T, async () => {
    await assert.rejects(ProxyPool.create(Ensemble, { shipSource: true, module: import.meta.url }), (e: unknown) => e instanceof ArgumentError && /option shipSource sends the class's source to the workers: give it alone, without option module/.test(e.message));
    await assert.rejects(ProxyPool.create(Ensemble, { shipSource: 'yes' as never }), (e: unknown) => e instanceof ArgumentError && /option shipSource must be a boolean, got "yes"/.test(e.message));
    await assert.rejects(ProxyPool.create(Ensemble, { workers: 1 }), /or \{ shipSource: true \} for a self-contained class defined inline/);
  });

  it('a class whose source cannot be read (bound) is rejected with the reason', T, async () => {
    const Bound = Ensemble.bind(null) as unknown as typeof Ensemble;
    Object.defineProperty(Bound, 'prototype', { value: Ensemble.prototype });
    await assert.rejects(ProxyPool.create(Bound, { workers: 1, shipSource: true }), (e: unknown) => e instanceof CapturedVariableError && /does not parse as a class .*Native, bound or proxied classes have no source/.test(e.message));
  });

  it('every name provided to shipped code is an export of the package', T, () => {
    for (const name of [...RUNTIME_NAMES, ...SHARED_NAMES]) assert.ok(name in lib, `${name} is exported by objectproxypool`);
  });
});

declare const notebookGlobal: unknown;
