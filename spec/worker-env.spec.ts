// Worker environment (issue 22): piscina's env, argv and execArgv, seen inside the worker; refused where they cannot apply.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, ProxyPool, fixtureUrl } from './helpers/lib.ts';
import { T } from './helpers/kinds.ts';
import { Tuned } from '../.test-build/spec/fixtures/tuned.js';

const module = fixtureUrl('tuned');
const nodeKinds = (process.env.OPP_KINDS?.split(',') ?? ['thread', 'process']).filter((k) => k === 'thread' || k === 'process') as Array<'thread' | 'process'>;

for (const kind of nodeKinds) {
  describe(`worker environment [${kind}]`, () => {
    it('env replaces the workers\' process.env; argv is appended to their process.argv', T, async () => {
      await using pool = await ProxyPool.create(Tuned, { workers: 2, kind, module, env: { OPP_TUNED: 'yes', PATH: process.env.PATH ?? '' }, argv: ['--scenario', 'b'] });
      assert.deepEqual(await pool.env('OPP_TUNED'), ['yes', 'yes']);
      assert.deepEqual(await pool.env('HOME'), [undefined, undefined], 'the inherited environment is replaced, as piscina does');
      for (const argv of await pool.argv()) assert.deepEqual(argv.slice(-2), ['--scenario', 'b']);
    });

    it('execArgv reaches the workers (flags each kind accepts)', T, async () => {
      // --expose-gc is process-wide: Node takes it only in child processes. --no-warnings is accepted by both.
      const flag = kind === 'process' ? '--expose-gc' : '--no-warnings';
      await using pool = await ProxyPool.create(Tuned, { workers: 1, kind, module, execArgv: [flag] });
      const [execArgv] = await pool.execArgv();
      assert.ok(execArgv!.includes(flag), `${flag} in ${JSON.stringify(execArgv)}`);
      if (kind === 'process') assert.deepEqual(await pool.hasGc(), [true]);
    });

    it('an execArgv Node refuses fails create() with an ArgumentError and leaves no worker', T, async () => {
      const before = (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().length;
      const flags = kind === 'thread' ? ['--expose-gc'] : ['--no-such-flag-at-all'];
      await assert.rejects(ProxyPool.create(Tuned, { workers: 2, kind, module, execArgv: flags }), (error: Error) => {
        assert.ok(error instanceof ArgumentError, String(error));
        assert.match(error.message, /option execArgv: Node refused/);
        return true;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok((process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().length <= before, 'no worker left running');
      // The options were the only problem: the same pool without them works.
      await using pool = await ProxyPool.create(Tuned, { workers: 1, kind, module });
      assert.equal((await pool.whoami())[0]!.index, 0);
    });
  });
}

describe('worker environment: bad input', () => {
  it('inline and web kinds cannot honour env/argv/execArgv: a typed error at create()', T, async () => {
    await assert.rejects(ProxyPool.create(Tuned, { kind: 'inline', env: { A: '1' } }), (error: Error) => error instanceof ArgumentError && /option env is for kinds 'thread' and 'process'; kind 'inline' cannot honour it/.test(error.message));
    await assert.rejects(ProxyPool.create(Tuned, { kind: 'web', module, execArgv: ['--expose-gc'] }), (error: Error) => error instanceof ArgumentError && /kind 'web' cannot honour it/.test(error.message));
    await assert.rejects(ProxyPool.create(Tuned, { module, argv: 'x' as never }), /option argv must be an array of strings, got "x"/);
    await assert.rejects(ProxyPool.create(Tuned, { module, env: { A: 1 } as never }), /option env.A must be a string, got 1/);
  });
});
