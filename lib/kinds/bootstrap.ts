import { nodeBuiltin } from '../platform/platform.ts';

/**
 * How a thread worker starts. Node 20 cannot start a worker from a `.ts` file, even under `--import tsx`
 * (ERR_UNKNOWN_FILE_EXTENSION), so every worker starts from this small CommonJS script, which registers tsx's
 * loader when TypeScript is involved and then loads the runtime: the built package's one-file CommonJS bundle when
 * there is one (`bundle`, a path), else the runtime's ES module entry (`entry`, a URL; running from source).
 * Built output (`.js`) never needs tsx.
 */
export const bootstrapSource = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  if (workerData.bundle) require(workerData.bundle);
  else await import(workerData.entry);
})().catch((error) => { setImmediate(() => { throw error; }); });
`;

let threadBundle: string | null | undefined;

/**
 * Path of dist/runtime/thread-entry.cjs (written by `npm run build`, scripts/bundle-runtime.mjs) when this module
 * is the built one and the file exists. A worker compiles that one file in ~1 ms instead of linking the runtime's
 * dozen ES modules (~10 ms of a ~60 ms start-up; docs/design.md, "Worker start-up").
 */
export function bundledThreadRuntime(): string | undefined {
  if (threadBundle === undefined) {
    const entry = runtimeEntryUrl('thread-entry');
    const { fileURLToPath } = nodeBuiltin<typeof import('node:url')>('node:url');
    const { existsSync } = nodeBuiltin<typeof import('node:fs')>('node:fs');
    const path = entry.endsWith('.js') && entry.startsWith('file:') ? fileURLToPath(entry.replace(/\.js$/, '.cjs')) : null;
    threadBundle = path !== null && existsSync(path) ? path : null;
  }
  return threadBundle ?? undefined;
}

/**
 * The host's execArgv minus what a worker must not inherit: tsx's loader when the worker runs only JavaScript
 * (registering it costs a worker ~0.4 s on Node 20), and --inspect flags (each worker would claim the same port).
 * Other flags — the user's own --import/--require hooks, heap options — are kept.
 */
export function workerExecArgv(needsTsx: boolean, forThread = false): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('--inspect')) continue;
    // Worker threads refuse process-wide flags (ERR_WORKER_INVALID_EXEC_ARGV, e.g. the test runner's on Node 24):
    // pass them only loader, condition and experimental flags.
    if (forThread && arg.startsWith('-') && !threadFlag.test(arg)) {
      if (!arg.includes('=') && args[i + 1] !== undefined && !args[i + 1]!.startsWith('-')) i++;
      continue;
    }
    const isLoaderFlag = arg === '--import' || arg === '--require' || arg === '--loader' || arg === '-r';
    const value = isLoaderFlag ? args[i + 1] : arg;
    if (/\btsx\b/.test(value ?? '') && !needsTsx) {
      if (isLoaderFlag) i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

const threadFlag = /^(--import|--require|-r|--loader|--experimental-loader|--conditions|-C|--experimental-[\w-]+|--no-experimental-[\w-]+|--enable-source-maps)(=|$)/;

/** URL of a runtime entry next to this file, in the same flavour (.ts under tsx, .js when built). */
export function runtimeEntryUrl(name: string): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`../runtime/${name}${ext}`, import.meta.url).href;
}

function resolveTsx(specifier: string): string {
  try {
    return import.meta.resolve(specifier);
  } catch (error) {
    throw new Error('Loading a TypeScript class in a worker needs the tsx package: npm install --save-dev tsx', { cause: error });
  }
}

/** tsx's API module, whose register() a thread bootstrap calls. */
export const tsxLoaderUrl = (): string => resolveTsx('tsx/esm/api');
/** tsx's loader for `node --import`, for child processes. */
export const tsxImportUrl = (): string => resolveTsx('tsx');
