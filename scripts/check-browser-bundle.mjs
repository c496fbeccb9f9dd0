#!/usr/bin/env node
// Bundles each of the package's entries (package.json "exports": the root, /worker and the subpaths) for the browser
// with esbuild and fails on anything a browser cannot load (a static `node:` import creeping into the pool, the
// runtime or a layer). Node-only modules (the remote kind and host, log-update) are loaded by computed specifiers.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const exportsMap = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).exports;
const entries = Object.values(exportsMap)
  .filter((target) => typeof target === 'object')
  .map((target) => target.default.replace(/^\.\/dist\//, 'lib/').replace(/\.js$/, '.ts'));
let failed = false;
for (const entry of entries) {
  try {
    await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
  } catch (error) {
    failed = true;
    console.error(`${entry} does not bundle for the browser:`);
    for (const e of error.errors ?? [error]) console.error(`  ${e.location ? `${e.location.file}:${e.location.line} ` : ''}${e.text ?? e.message}`);
  }
}
if (failed) process.exit(1);
console.log(`${entries.length} entries bundle for the browser: ${entries.join(', ')}`);
