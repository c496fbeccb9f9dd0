#!/usr/bin/env node
// Builds native/shm.c (cross-process shared memory) into build/Release/shm.node with node-gyp, for developers and
// for platforms without a prebuilt binary (the package ships prebuilds/linux-x64; node-gyp-build prefers
// build/Release when it exists):   npm run build:native
// A failed build prints one line (the full log goes to build-native.log) and exits 1.
import { existsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const prefix = resolve(dirname(process.execPath), '..');

// npm hands its bundled node-gyp to lifecycle scripts (npm_config_node_gyp); run by hand, look where npm keeps it.
const candidates = [
  process.env.npm_config_node_gyp,
  join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  join(prefix, 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  join(root, 'node_modules/node-gyp/bin/node-gyp.js'),
].filter(Boolean);
const gyp = candidates.find((p) => existsSync(p));
const args = gyp ? [gyp, 'rebuild'] : [];
// Use the headers installed with this node when there are any, so nothing is downloaded.
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);

const log = join(root, 'build-native.log');
const result = gyp ? spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' }) : undefined;
if (result && result.status === 0 && existsSync(join(root, 'build/Release/shm.node'))) {
  console.log('objectproxypool: built build/Release/shm.node (shared memory across processes)');
} else {
  writeFileSync(log, result ? `${result.stdout}\n${result.stderr}\n${result.error ?? ''}` : `node-gyp not found; looked at:\n${candidates.join('\n')}\n`);
  console.log(
    `objectproxypool: could not build the shared-memory addon (${gyp ? 'node-gyp failed' : 'node-gyp not found'}; see build-native.log); ` +
      `everything works except { across: 'processes' } memory — install python3, make and a C compiler, then run "npm run build:native"`,
  );
  process.exit(1);
}
