#!/usr/bin/env node
// Builds the web example (examples/web/) with esbuild: the page script and its worker script are two entry
// points of one build, so `new Worker(new URL('./pi.worker.js', import.meta.url))` in the page finds the worker
// next to it. Usage:
//   node scripts/build-web-example.mjs [outdir]          # build only (default examples/web/dist)
//   node scripts/build-web-example.mjs --serve [outdir]  # build, then serve on http://127.0.0.1:8080 (PORT=…)
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { startStaticServer } from './static-server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Bundles examples/web into `outdir` (absolute or relative to the repository root); resolves to its path. */
export async function buildWebExample(outdir = 'examples/web/dist') {
  const out = resolve(ROOT, outdir);
  await mkdir(out, { recursive: true });
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'examples/web/main.ts', 'pi.worker': 'examples/web/pi.worker.ts' },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    // A production-like build. keepNames: the pool finds classes (and rebuilds error classes) by their names,
    // which a minifier would otherwise shorten differently in the page and in the worker bundle.
    minify: true,
    keepNames: true,
    logLevel: 'warning',
  });
  await copyFile(resolve(ROOT, 'examples/web/index.html'), resolve(out, 'index.html'));
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const serve = args.includes('--serve');
  const out = await buildWebExample(args.find((a) => !a.startsWith('--')));
  console.log(`built ${out}`);
  if (serve) {
    const server = await startStaticServer({ root: out, port: Number(process.env.PORT ?? 8080) });
    console.log(`serving the example at ${server.url} (cross-origin isolated) — ${server.plainUrl} shows the error without the headers`);
    console.log('Ctrl-C to stop');
  }
}
