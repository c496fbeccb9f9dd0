/**
 * Memory that several *processes* share: a named POSIX segment (`shm_open` + `mmap(MAP_SHARED)`, in the small
 * Node-API addon `native/shm.c`), seen from JavaScript as a plain ArrayBuffer. A SharedArrayBuffer cannot cross
 * a process boundary; a segment name can. Wrappers, locks and counters made with `{ across: 'processes' }`
 * live in such segments and travel as `{ segment: name }`; the receiver — another process, a thread or the same
 * thread — maps the name again and sees the same physical memory.
 *
 * Lifetime (see docs/design.md, "Shared memory across processes"). Every segment starts with a 4 KiB header:
 *
 * - **holder slots** `(pid, count)`: each JavaScript realm (main thread, worker thread) that holds the segment
 *   counts one in its process's slot while any of its holders (wrappers, locks, counters) is alive — until
 *   `release()` or garbage collection (FinalizationRegistry). A slot whose process has died does not count, so a
 *   killed worker cannot keep a segment alive.
 * - **leases** `(pid, token)`: sending a handle takes a lease, so the segment cannot vanish while the handle is on
 *   its way even if the sender drops its last reference at once; the first receiver to map it returns the lease.
 *   A lease nobody claims (a cancelled task, a dead worker) expires after {@link LEASE_MS} or when its process exits.
 *
 * Whoever finds the segment unused after a release unlinks the name; the mappings still open stay valid (POSIX),
 * so "the memory lives while any side holds it" holds for everyone who has received it.
 */
import { isSharedBuffer } from './dtypes.ts';
import { addon, builtin, SharedMemoryAcrossProcessesError } from './native-shm.ts';

/** Where memory can be shared: between the threads of one process (a SharedArrayBuffer) or between processes. */
export type Across = 'threads' | 'processes';

/**
 * Options of the allocating functions (`SharedArrayWrapper.zeros/from`, `new SharedLock`, `new SharedCounter`).
 *
 * @example
 * ```ts
 * const acc = SharedArrayWrapper.zeros(1, 'float64', { across: 'processes' }); // usable by kind: 'process' pools
 * ```
 */
export interface SharedMemoryOptions {
  /**
   * `'threads'` (default): a SharedArrayBuffer, for thread and inline workers. `'processes'`: a named POSIX
   * shared-memory segment, for process workers too (needs the native addon: shipped prebuilt for linux-x64 glibc;
   * elsewhere {@link ProcessSharedMemoryUnavailableError} says how to build it).
   */
  across?: Across;
}

/** How long an unclaimed lease keeps a sent segment alive (10 minutes). @example `LEASE_MS // 600000` */
export const LEASE_MS = 10 * 60_000;

/** Bytes before the data in every segment (the header); data offsets inside a segment buffer include it. */
export const HEADER_BYTES = 4096;

// Header: 512 64-bit cells. Cell 0 holds the magic and version (as two int32); cells 1..256 are holder slots,
// the rest leases. Each slot and lease packs (pid << 32 | count-or-token) into one cell, so that every change is a
// single compare-exchange and no reader ever sees a half-written pair. 0n is a free cell.
const MAGIC = 0x5350504f; // 'OPPS'
const VERSION = 2;
const CELLS = HEADER_BYTES / 8;
const SLOT_BASE = 1;
const SLOTS = 256;
const LEASE_BASE = SLOT_BASE + SLOTS;
const LEASES = CELLS - LEASE_BASE;
type Header = BigInt64Array;
const pack = (p: number, low: number) => (BigInt(p) << 32n) | BigInt(low >>> 0);
const pidOf = (cell: bigint) => Number(cell >> 32n);
const lowOf = (cell: bigint) => Number(cell & 0xffffffffn);

// The addon and the errors that say it is missing: native-shm.ts (re-exported here, where users have imported them).
export { ProcessSharedMemoryUnavailableError, SharedMemoryAcrossProcessesError, processSharedMemoryAvailable } from './native-shm.ts';

// ---------------------------------------------------------------------------------------------------------------
// Per-realm bookkeeping. A realm (main thread or worker thread) maps a segment once and counts its holders
// locally; the segment's header counts one hold for the realm while the local count is above zero.

export interface Segment {
  name: string;
  /** This realm's mapping; weak, so it is unmapped (by the addon's finalizer) once nothing here uses it. */
  data: WeakRef<ArrayBuffer>;
  /** Header view over the mapping, kept only while `holds > 0` (it keeps the mapping alive meanwhile). */
  header: Header | undefined;
  /** Live {@link Hold}s of this realm. */
  holds: number;
}

/**
 * One holder of a segment in this realm: a wrapper (shared with the sub-views taken from it), a lock or a
 * counter. Released explicitly or when collected.
 */
export class Hold {
  released = false;
  constructor(readonly segment: Segment) {}
}

const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
const byBuffer = new WeakMap<ArrayBufferLike, Segment>();
const byName = new Map<string, Segment>();
/** This realm's outstanding lease per segment name. */
const leases = new Map<string, { cell: number; token: number }>();
/** Every name this realm has held, for the exit clean-up. */
const touched = new Set<string>();

const finalizer = new FinalizationRegistry<Segment>((segment) => dropLocal(segment));

function withHeader<R>(name: string, fn: (header: Header) => R): R {
  return fn(new BigInt64Array(addon().open(name, HEADER_BYTES, false), 0, CELLS));
}

function alive(p: number): boolean {
  if (p === pid || p <= 0) return true;
  try {
    (globalThis as any).process.kill(p, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while some live process holds a mapping or an unclaimed lease. */
function inUse(h: Header): boolean {
  for (let i = SLOT_BASE; i < CELLS; i++) {
    const cell = Atomics.load(h, i);
    if (cell !== 0n && lowOf(cell) !== 0 && alive(pidOf(cell))) return true;
  }
  return false;
}

/** Add one hold for this process: to its slot, or in a free slot or one left by a dead process. */
function acquireHold(name: string, h: Header): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = SLOT_BASE; i < SLOT_BASE + SLOTS; i++) {
      for (let cell = Atomics.load(h, i); ; ) {
        const owner = pidOf(cell);
        const mine = owner === pid && cell !== 0n;
        // Pass 0 only joins this process's slot; pass 1 takes a free or dead one.
        if (!mine && (pass === 0 || (cell !== 0n && (lowOf(cell) === 0 ? false : alive(owner))))) break;
        const next = mine ? cell + 1n : pack(pid, 1);
        const seen = Atomics.compareExchange(h, i, cell, next);
        if (seen === cell) return;
        cell = seen;
      }
    }
  }
  throw new RangeError(`shared memory segment ${name} is held by more than ${SLOTS} processes`);
}

/** Remove one hold of this process; unlink the name when nobody is left. */
function releaseHold(name: string, h: Header): void {
  outer: for (let i = SLOT_BASE; i < SLOT_BASE + SLOTS; i++) {
    for (let cell = Atomics.load(h, i); cell !== 0n && pidOf(cell) === pid && lowOf(cell) > 0; ) {
      const seen = Atomics.compareExchange(h, i, cell, lowOf(cell) === 1 ? 0n : cell - 1n);
      if (seen === cell) break outer;
      cell = seen;
    }
  }
  unlinkIfUnused(name, h);
}

function unlinkIfUnused(name: string, h: Header): void {
  if (!inUse(h)) addon().unlink(name);
}

/** A lease for a handle about to be sent; one outstanding per segment per realm. */
function lease(name: string, h: Header): { cell: number; token: number } {
  const current = leases.get(name);
  if (current && Atomics.load(h, current.cell) === pack(pid, current.token)) return current;
  const token = (Math.random() * 0xffffffff) | 1;
  const value = pack(pid, token);
  for (let cell = LEASE_BASE; cell < CELLS; cell++) {
    const seen = Atomics.load(h, cell);
    // A cell left by a dead process is free too.
    if (seen !== 0n && alive(pidOf(seen))) continue;
    if (Atomics.compareExchange(h, cell, seen, value) !== seen) continue;
    const taken = { cell, token };
    leases.set(name, taken);
    // The timer maps the header again rather than keeping this realm's mapping alive for LEASE_MS.
    const timer = setTimeout(() => {
      if (leases.get(name) === taken) leases.delete(name);
      try {
        withHeader(name, (header) => {
          if (Atomics.compareExchange(header, cell, value, 0n) === value) unlinkIfUnused(name, header);
        });
      } catch {
        // Already gone.
      }
    }, LEASE_MS);
    (timer as { unref?: () => void }).unref?.();
    return taken;
  }
  throw new RangeError(`shared memory segment ${name}: more than ${LEASES} handles in flight at once`);
}

/** Give back the lease a handle carried (only the first receiver of a handle sent several times succeeds). */
function claimLease(h: Header, ref: { readonly [key: string]: unknown }): void {
  const { lease: cell, token, from } = ref;
  if (typeof cell === 'number' && typeof token === 'number' && typeof from === 'number' && cell >= LEASE_BASE && cell < CELLS) {
    Atomics.compareExchange(h, cell, pack(from, token), 0n);
  }
}

let sinceSweep = 0;
function segmentOf(name: string, buffer: ArrayBuffer): Segment {
  if (++sinceSweep > 64) {
    sinceSweep = 0;
    for (const [key, seg] of byName) if (seg.holds === 0 && !seg.data.deref()) byName.delete(key);
  }
  const segment: Segment = { name, data: new WeakRef(buffer), header: undefined, holds: 0 };
  byBuffer.set(buffer, segment);
  byName.set(name, segment);
  if (touched.size === 0) onExit();
  touched.add(name);
  return segment;
}

function newHold(segment: Segment, buffer: ArrayBuffer): Hold {
  if (segment.holds++ === 0) {
    segment.header = new BigInt64Array(buffer, 0, CELLS);
    acquireHold(segment.name, segment.header);
  }
  const hold = new Hold(segment);
  finalizer.register(hold, segment, hold);
  return hold;
}

function dropLocal(segment: Segment): void {
  if (--segment.holds > 0) return;
  const header = segment.header!;
  segment.header = undefined; // from now on the mapping may be collected
  try {
    releaseHold(segment.name, header);
  } catch {
    // The addon failed to unlink (it cannot be missing here): leave the name for the exit clean-up.
  }
}

// ---------------------------------------------------------------------------------------------------------------
// What the rest of lib/shared uses

/**
 * Fresh zero-filled memory of `byteLength` bytes shared as `across` says. The data starts at `byteOffset` in
 * `buffer` (0 for a SharedArrayBuffer, the header size in a segment); `hold` is set for a segment.
 */
export function allocate(
  byteLength: number,
  across: Across | undefined,
  allocateThreadShared: (n: number) => SharedArrayBuffer,
): { buffer: ArrayBufferLike; byteOffset: number; hold?: Hold } {
  if (across === undefined || across === 'threads') return { buffer: allocateThreadShared(byteLength), byteOffset: 0 };
  if (across !== 'processes') throw new TypeError(`across must be 'threads' or 'processes', got ${JSON.stringify(across)}`);
  const shm = addon();
  const name = `/opp-${pid.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const buffer = shm.open(name, HEADER_BYTES + byteLength, true);
  const words = new Int32Array(buffer, 0, 2);
  Atomics.store(words, 1, VERSION);
  Atomics.store(words, 0, MAGIC);
  return { buffer, byteOffset: HEADER_BYTES, hold: newHold(segmentOf(name, buffer), buffer) };
}

/** True for memory other workers can share: a SharedArrayBuffer, or a segment mapped by this module. */
export function isShareableBuffer(buffer: unknown): buffer is ArrayBufferLike {
  return isSharedBuffer(buffer) || byBuffer.has(buffer as ArrayBufferLike);
}

/** A new holder of the segment behind `buffer` (undefined for a SharedArrayBuffer), e.g. for `wrap()`. */
export function holdOf(buffer: ArrayBufferLike): Hold | undefined {
  const segment = byBuffer.get(buffer);
  return segment && newHold(segment, buffer as ArrayBuffer);
}

/** `'processes'` for segment memory, `'threads'` otherwise. */
export function acrossOf(buffer: ArrayBufferLike): Across {
  return byBuffer.has(buffer) ? 'processes' : 'threads';
}

/**
 * The name of the segment behind `buffer` (as in `/dev/shm` on Linux, with a leading slash), or undefined for a
 * SharedArrayBuffer.
 *
 * @example `segmentName(w.buffer) // '/opp-1a2b-k3j4h5g6'`
 */
export function segmentName(buffer: ArrayBufferLike): string | undefined {
  return byBuffer.get(buffer)?.name;
}

/** How memory travels inside a handle: the SharedArrayBuffer itself, or the segment's name plus a lease. */
export type MemoryRef = { buffer: SharedArrayBuffer } | { segment: string; lease: number; token: number; from: number };

/** The part of a handle that names the memory; takes a lease for a segment. */
export function memoryRef(buffer: ArrayBufferLike, hold: Hold | undefined): MemoryRef {
  if (!hold) return { buffer: buffer as SharedArrayBuffer };
  const { segment } = hold;
  if (hold.released || !segment.header) throw new Error(`shared memory segment ${segment.name} was released on this side; it can no longer be sent`);
  const { cell, token } = lease(segment.name, segment.header);
  return { segment: segment.name, lease: cell, token, from: pid };
}

/**
 * The memory a handle names: the SharedArrayBuffer, or this realm's mapping of the segment (mapped now if
 * needed) with a new hold.
 */
export function memoryFromRef(ref: { readonly [key: string]: unknown }, what: string): { buffer: ArrayBufferLike; hold?: Hold } {
  if (typeof ref.segment === 'string') {
    const name = ref.segment;
    let segment = byName.get(name);
    let buffer = segment?.data.deref();
    if (!buffer) {
      try {
        buffer = addon().open(name, 0, false);
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') {
          throw new Error(`${what}: shared memory segment ${name} no longer exists (every holder released it before it arrived here)`, { cause: error });
        }
        throw error;
      }
      const words = buffer.byteLength >= HEADER_BYTES ? new Int32Array(buffer, 0, 2) : undefined;
      if (!words || Atomics.load(words, 0) !== MAGIC || Atomics.load(words, 1) !== VERSION) {
        throw new TypeError(`${what}: ${name} is not an objectproxypool shared memory segment`);
      }
      segment = segmentOf(name, buffer);
    }
    const hold = newHold(segment!, buffer); // hold first, then give the lease back: the segment is never unowned
    claimLease(segment!.header!, ref);
    return { buffer, hold };
  }
  if (isSharedBuffer(ref.buffer)) return { buffer: ref.buffer };
  throw new TypeError(`malformed ${what} handle: it carries neither a SharedArrayBuffer nor a segment name`);
}

/**
 * Give back one hold (idempotent). The segment's name is unlinked when no process holds it any more and no
 * handle to it is in flight; memory already mapped stays valid until collected.
 */
export function release(hold: Hold | undefined): void {
  if (!hold || hold.released) return;
  hold.released = true;
  finalizer.unregister(hold);
  dropLocal(hold.segment);
}

function onExit(): void {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  const threads = builtin<typeof import('node:worker_threads')>('node:worker_threads');
  if (!proc?.once) return;
  const mainThread = threads?.isMainThread ?? true;
  proc.once('exit', () => {
    // The main thread leaves with the whole process, worker threads included: clear every hold and lease of this
    // pid, also in segments only a thread knew (named after this pid). A worker thread gives back its own.
    const names = new Set(touched);
    const fs = mainThread ? builtin<typeof import('node:fs')>('node:fs') : undefined;
    try {
      const prefix = `opp-${pid.toString(36)}-`;
      for (const file of fs?.readdirSync('/dev/shm') ?? []) if (file.startsWith(prefix)) names.add(`/${file}`);
    } catch {
      // No /dev/shm (macOS): only the names this thread saw.
    }
    for (const name of names) {
      try {
        withHeader(name, (h) => {
          if (mainThread) {
            for (let i = SLOT_BASE; i < CELLS; i++) {
              for (let cell = Atomics.load(h, i); cell !== 0n && pidOf(cell) === pid; ) {
                const seen = Atomics.compareExchange(h, i, cell, 0n);
                if (seen === cell) break;
                cell = seen;
              }
            }
            unlinkIfUnused(name, h);
          } else {
            const own = leases.get(name);
            if (own) Atomics.compareExchange(h, own.cell, pack(pid, own.token), 0n);
            if ((byName.get(name)?.holds ?? 0) > 0) releaseHold(name, h);
            else unlinkIfUnused(name, h);
          }
        });
      } catch {
        // Already gone.
      }
    }
  });
}

/**
 * The error to report when sending to or from a process failed: {@link SharedMemoryAcrossProcessesError} (with
 * the original as `cause`) when the failure was a SharedArrayBuffer, else `error` itself. For process channels:
 * `try { child.send(batch) } catch (e) { throw explainProcessCloneError(e) }`.
 *
 * @example `explainProcessCloneError(new Error('#<SharedArrayBuffer> could not be cloned.')) // SharedMemoryAcrossProcessesError`
 */
export function explainProcessCloneError(error: unknown): unknown {
  if (error instanceof SharedMemoryAcrossProcessesError) return error;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.includes('SharedArrayBuffer') ? new SharedMemoryAcrossProcessesError({ cause: error }) : error;
}
