/**
 * The command line (bin/objectproxypool.mjs → dist/remote/cli.js): --help/-h on every command exits 0 with its
 * usage on stdout; an unknown flag or command exits 2 with one line naming it. (Serving over NATS is in
 * spec/remote-example.spec.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const T = { timeout: 30_000 };
const bin = resolve(import.meta.dirname, '../bin/objectproxypool.mjs');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('objectproxypool CLI', () => {
  for (const flag of ['--help', '-h']) {
    it(`objectproxypool ${flag} and objectproxypool host ${flag} exit 0 with the usage`, T, () => {
      const top = cli(flag);
      assert.equal(top.status, 0, top.stderr);
      assert.match(top.stdout, /^usage: objectproxypool <command> \[options\]\n[\s\S]*\bhost\b/);
      const host = cli('host', flag);
      assert.equal(host.status, 0, host.stderr);
      assert.match(host.stdout, /^usage: objectproxypool host --servers nats:\/\/HOST:PORT[\s\S]*--module PATH[\s\S]*-h, --help/);
      assert.equal(host.stderr, '');
    });
  }

  it('an unknown flag exits 2 with one line naming it', T, () => {
    for (const args of [['host', '--nope'], ['host', '--servers', 'nats://127.0.0.1:1', '--bogus=1'], ['--frob']]) {
      const result = cli(...args);
      assert.equal(result.status, 2, args.join(' '));
      const flag = args.at(-1)!.replace(/=.*/, '');
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, `one line: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^objectproxypool( host)?: unknown option ${flag} \\(see objectproxypool( host)? --help\\)\\n$`));
    }
  });

  it('an unknown command or a missing option exits 2 with one line; no arguments prints the usage and exits 2', T, () => {
    const unknown = cli('serve');
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr, 'objectproxypool: unknown command serve (see objectproxypool --help)\n');
    const missing = cli('host', '--module', './model.js');
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, 'objectproxypool host: --servers is required (see objectproxypool host --help)\n');
    const none = cli();
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^usage: objectproxypool <command>/);
  });
});
