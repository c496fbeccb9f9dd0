#!/usr/bin/env node
// Bundles the thread worker's runtime (<out>/runtime/thread-entry.js and the modules it imports statically) into one
// CommonJS file, <out>/runtime/thread-entry.cjs, which the thread bootstrap require()s. A worker then compiles one
// file instead of resolving and linking a dozen ES modules: see docs/design.md, "Worker start-up".
// Modules the runtime imports lazily (shared memory, shipped classes) stay outside, as the package's own ES modules,
// so that a worker has one copy of each class a user's code can also import (SharedArrayWrapper, ...).
import { build } from 'esbuild';
import { dirname, relative, resolve } from 'node:path';

// Usage: node scripts/bundle-runtime.mjs [dir]   dir: the compiled library, `dist` (default) or `.test-build/lib`
const dir = process.argv[2] ?? 'dist';
const outfile = `${dir}/runtime/thread-entry.cjs`;
const keepLazyImportsOutside = {
  name: 'lazy-imports-stay-modules',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      let path = relative(dirname(resolve(outfile)), resolve(args.resolveDir, args.path));
      if (!path.startsWith('.')) path = `./${path}`;
      return { path, external: true };
    });
  },
};
await build({
  entryPoints: [`${dir}/runtime/thread-entry.js`],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  plugins: [keepLazyImportsOutside],
  sourcemap: true,
  logLevel: 'warning',
});
