/**
 * The small Node-API addon behind process-shared memory (`native/shm.c`: `shm_open` + `mmap(MAP_SHARED)`), loaded
 * on first use, and the errors that say it is missing or that thread-only memory was about to cross a process.
 * Apart from process-memory.ts, which keeps the segments' bookkeeping.
 */
/** The addon's build instructions, for platforms without a prebuilt binary. */
const BUILD_HINT =
  'no prebuilt binary in prebuilds/ fits this platform (the package ships linux-x64 glibc >= 2.34); build one in a ' +
  'clone of the objectproxypool repository with "npm ci && npm run build:native" (needs python3, make and a C compiler) ' +
  'and point OBJECTPROXYPOOL_PREBUILD at that clone';

/**
 * `{ across: 'processes' }` memory was asked for but the native addon cannot load here: no prebuilt binary fits
 * `platform` (e.g. `'darwin-arm64'`) and none was built. Everything else works without it.
 *
 * @example
 * ```ts
 * if (!processSharedMemoryAvailable()) console.log('process pools will need copies');
 * ```
 */
export class ProcessSharedMemoryUnavailableError extends Error {
  /** `<platform>-<arch>` of this process, e.g. `'linux-x64'`. */
  readonly platform: string;
  constructor(cause: unknown, platform = currentPlatform()) {
    super(`shared memory across processes needs the native addon, which could not be loaded on ${platform}: ${BUILD_HINT}`, { cause });
    this.name = 'ProcessSharedMemoryUnavailableError';
    this.platform = platform;
  }
}

function currentPlatform(): string {
  const proc = (globalThis as { process?: { platform?: string; arch?: string } }).process;
  return proc?.platform ? `${proc.platform}-${proc.arch}` : 'a non-Node.js runtime';
}

/**
 * Thrown when thread-only shared memory (a SharedArrayBuffer) is about to be serialized for another process —
 * e.g. a default `SharedArrayWrapper` passed to a `kind: 'process'` pool. Never a silent copy.
 *
 * @example
 * ```ts
 * // Fix: allocate it in process-shared memory.
 * const grid = SharedArrayWrapper.zeros([100, 100], 'float64', { across: 'processes' });
 * ```
 */
export class SharedMemoryAcrossProcessesError extends TypeError {
  constructor(options?: ErrorOptions) {
    super(
      'a SharedArrayBuffer cannot cross a process boundary (kind: "process" workers, child_process IPC): a SharedArrayWrapper, ' +
        'SharedLock or SharedCounter made without { across: \'processes\' } is shared between threads only. Allocate it with ' +
        "{ across: 'processes' } — SharedArrayWrapper.zeros(shape, dtype, { across: 'processes' }), .from(data, shape, dtype, " +
        "{ across: 'processes' }), new SharedLock({ across: 'processes' }), new SharedCounter(0, { across: 'processes' }) — " +
        'to share it with process workers.',
      options,
    );
    this.name = 'SharedMemoryAcrossProcessesError';
  }
}

export interface Native {
  open(name: string, byteLength: number, create: boolean): ArrayBuffer;
  unlink(name: string): boolean;
}

/** Node's built-ins without a static import, so this module stays loadable in browsers (where it is unused). */
export function builtin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}

let native: Native | undefined;
let nativeError: unknown;

export function addon(): Native {
  if (native) return native;
  if (nativeError === undefined) {
    try {
      const mod = builtin<typeof import('node:module')>('node:module');
      if (!mod) throw new Error('not running on Node.js (process.getBuiltinModule is missing)');
      const url = builtin<typeof import('node:url')>('node:url')!;
      const require = mod.createRequire(import.meta.url);
      // node-gyp-build picks build/Release (a developer's `npm run build:native`) or else the prebuilt binary in
      // prebuilds/<platform>-<arch>/ that matches this libc. The package root is two levels above this module in
      // dist/ (three in the compiled test tree): the first directory holding our prebuilds/ or build/ is it.
      const load = require('node-gyp-build') as { (dir: string): Native; path(dir: string): string };
      let lastError: unknown;
      for (const up of ['../../', '../../../']) {
        const dir = url.fileURLToPath(new URL(up, import.meta.url));
        try {
          native = load(dir);
          return native;
        } catch (error) {
          lastError ??= error;
        }
      }
      throw lastError;
    } catch (error) {
      nativeError = error;
    }
  }
  throw new ProcessSharedMemoryUnavailableError(nativeError);
}

/**
 * True when `{ across: 'processes' }` memory can be allocated here (the native addon loads).
 *
 * @example `if (processSharedMemoryAvailable()) acc = SharedArrayWrapper.zeros(1, 'int32', { across: 'processes' });`
 */
export function processSharedMemoryAvailable(): boolean {
  try {
    addon();
    return true;
  } catch {
    return false;
  }
}

