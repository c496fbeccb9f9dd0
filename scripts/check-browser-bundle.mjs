#!/usr/bin/env node
// Bundles the library's two entries for the browser with esbuild and fails on anything a browser cannot load
// (a static `node:` import creeping into the pool, the runtime or a layer exported from lib/index.ts).
import { build } from 'esbuild';

let failed = false;
for (const entry of ['lib/index.ts', 'lib/worker.ts']) {
  try {
    await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
  } catch (error) {
    failed = true;
    console.error(`${entry} does not bundle for the browser:`);
    for (const e of error.errors ?? [error]) console.error(`  ${e.location ? `${e.location.file}:${e.location.line} ` : ''}${e.text ?? e.message}`);
  }
}
if (failed) process.exit(1);
console.log('lib/index.ts and lib/worker.ts bundle for the browser');
